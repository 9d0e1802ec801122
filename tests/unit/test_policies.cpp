// Every policy plugin found: conformance on a small pool; agreement of scores with plain-loop formulas.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/rng.hpp"
#include "alchain/sdk/uncertainty.hpp"
#include "../../plugins/policies/llal/ranking_loss.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

constexpr std::int64_t kLabeled = 100, kPool = 50, kClasses = 5, kUncertain = 120, kConfident = 130;

constexpr std::int64_t kPasses = 8, kMembers = 3;

struct Pool {
  at::Tensor ids, logits, embedding, labeled_embedding, mc_logits, committee_logits, labels;
  std::vector<std::int64_t> labeled;
};

/// A fixed pool: IDs 100..149 (0..99 are labeled); sample 120 has flat logits, 130 a sure one.
Pool make_pool() {  // NOLINT: declared above
  torch::manual_seed(7);
  Pool p;
  p.ids = torch::arange(kLabeled, kLabeled + kPool, torch::kInt64);
  p.logits = torch::randn({kPool, kClasses});
  p.logits[kUncertain - kLabeled] = torch::zeros({kClasses});
  p.logits[kConfident - kLabeled] = torch::tensor({20.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  p.embedding = torch::randn({kPool, 8});
  p.labeled_embedding = torch::randn({kLabeled, 8});
  const at::Tensor peaked = torch::tensor({20.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  // MC passes and committee members: mild noise around the logits; the uncertain sample's passes
  // (members) are each sure of a different class, the confident sample's all agree.
  p.mc_logits = p.logits.unsqueeze(0) + 0.3 * torch::randn({kPasses, kPool, kClasses});
  p.committee_logits = p.logits.unsqueeze(0) + 0.5 * torch::randn({kMembers, kPool, kClasses});
  for (std::int64_t t = 0; t < kPasses; ++t) {
    p.mc_logits[t][kUncertain - kLabeled] = peaked.roll(t % kClasses);
    p.mc_logits[t][kConfident - kLabeled] = peaked;
  }
  for (std::int64_t m = 0; m < kMembers; ++m) {
    p.committee_logits[m][kUncertain - kLabeled] = peaked.roll(m);
    p.committee_logits[m][kConfident - kLabeled] = peaked;
  }
  p.labels = torch::randint(kClasses, {kPool}, torch::kInt64);
  p.labels[kConfident - kLabeled] = 0;  // the confident prediction is right
  p.labels[kUncertain - kLabeled] = 1;
  for (std::int64_t i = 0; i < kLabeled; ++i) p.labeled.push_back(i);
  return p;
}

std::shared_ptr<Policy> make_policy(const std::string& name, const std::string& params_toml = "");

/// Pool inputs a policy may ask for; the embedding doubles as the model tap "feat".
Pool make_pool();

/// A policy with a training head (llal) gets its head trained the way the host would, on the
/// pool's "feat" tap with each sample's entropy as the loss to predict; others are returned as is.
std::shared_ptr<Policy> ready_policy(const std::string& name, const std::string& params_toml = "") {
  auto policy = make_policy(name, params_toml);
  if (auto head = policy->training_head()) {
    const Pool pool = make_pool();
    torch::manual_seed(5);
    head->reset({{"feat", {8}}}, 10);
    head->train(true);
    torch::optim::Adam opt(head->parameters(), torch::optim::AdamOptions(0.01));
    const at::Tensor target = alchain::uncertainty::entropy(pool.logits);
    for (int step = 0; step < 300; ++step) {
      const at::Tensor perm = torch::randperm(kPool, torch::kInt64);  // new pairs every step
      ModelOutput out;
      out.taps["feat"] = pool.embedding.index_select(0, perm);
      opt.zero_grad();
      head->loss(out, target.index_select(0, perm), 0).backward();
      opt.step();
    }
    head->train(false);
  }
  return policy;
}

std::shared_ptr<Policy> make_policy(const std::string& name, const std::string& params_toml) {
  const auto& info = test::shipped_plugins().get(PluginKind::policy, name);
  Diagnostics d("test");
  const toml::table table = toml::parse(params_toml);
  Params params = resolve_plugin_params(info, &table, "policy_params", {}, d);
  REQUIRE(d.empty());
  CreateContext ctx;
  ctx.num_classes = kClasses;
  ctx.make_policy = [](const std::string& base) { return make_policy(base); };
  return test::shipped_plugins().create_policy(name, params, ctx);
}

/// One round the way the host runs it, streaming the pool in batches of 16.
Selection run_round(Policy& policy, const Pool& pool, std::int64_t budget, std::uint64_t seed) {
  SelectionContext ctx;
  ctx.budget = budget;
  ctx.pool_size = kPool;
  ctx.num_classes = kClasses;
  ctx.seed = seed;
  ctx.labeled = &pool.labeled;
  policy.begin(ctx);
  if (policy.needs() & kNeedLabeled)
    for (std::int64_t lo = 0; lo < kLabeled; lo += 16) {
      PoolBatch b;
      b.ids = torch::arange(lo, std::min(kLabeled, lo + 16), torch::kInt64);
      b.embedding = pool.labeled_embedding.slice(0, lo, std::min(kLabeled, lo + 16));
      policy.observe_labeled(b);
    }
  for (std::int64_t lo = 0; lo < kPool; lo += 16) {
    const std::int64_t hi = std::min(kPool, lo + 16);
    PoolBatch b;
    b.ids = pool.ids.slice(0, lo, hi);
    if (policy.needs() & kNeedLogits) b.logits = pool.logits.slice(0, lo, hi);
    if (policy.needs() & kNeedEmbedding) b.embedding = pool.embedding.slice(0, lo, hi);
    if (policy.needs() & kNeedMcLogits) {
      REQUIRE(policy.mc_passes() >= 2);
      b.mc_logits = pool.mc_logits.slice(1, lo, hi);
    }
    if (policy.needs() & kNeedCommittee) b.committee_logits = pool.committee_logits.slice(1, lo, hi);
    if (policy.needs() & kNeedLabels) b.labels = pool.labels.slice(0, lo, hi);
    if (policy.needs() & kNeedTaps) b.taps["feat"] = pool.embedding.slice(0, lo, hi);
    policy.observe(b);
  }
  return policy.select();
}

std::map<std::int64_t, float> score_map(const Selection& s) {
  std::map<std::int64_t, float> m;
  for (std::size_t i = 0; i < s.score_ids.size(); ++i) m[s.score_ids[i]] = s.scores[i];
  return m;
}

std::vector<double> softmax_row(const at::Tensor& logits, std::int64_t row) {
  std::vector<double> p(kClasses);
  double mx = -1e300, z = 0;
  for (std::int64_t k = 0; k < kClasses; ++k) mx = std::max(mx, static_cast<double>(logits[row][k].item<float>()));
  for (std::int64_t k = 0; k < kClasses; ++k) z += p[k] = std::exp(logits[row][k].item<float>() - mx);
  for (auto& v : p) v /= z;
  return p;
}

}  // namespace

TEST_CASE("conformance: every policy plugin returns the budget of distinct pool IDs, deterministically") {
  const Pool pool = make_pool();
  const auto names = test::shipped_plugins().names(PluginKind::policy);
  REQUIRE(names.size() >= 7);
  for (const auto& name : names) {
    INFO("policy ", name);
    auto policy = ready_policy(name);
    const Selection a = run_round(*policy, pool, 10, 42);
    REQUIRE(a.picked.size() == 10);
    const std::set<std::int64_t> distinct(a.picked.begin(), a.picked.end());
    CHECK(distinct.size() == 10);
    for (auto id : a.picked) CHECK((id >= kLabeled && id < kLabeled + kPool));
    const Selection b = run_round(*ready_policy(name), pool, 10, 42);
    CHECK(a.picked == b.picked);
    if (!a.scores.empty()) {
      CHECK(a.score_ids.size() == static_cast<std::size_t>(kPool));
      const auto m = score_map(a);
      CHECK(m.at(kUncertain) > m.at(kConfident));
    }
  }
}

TEST_CASE("random: the seed decides, and it ignores the surrogate") {
  const Pool pool = make_pool();
  auto policy = make_policy("random");
  CHECK(policy->needs() == kNeedNothing);
  const auto a = run_round(*policy, pool, 10, 1).picked;
  const auto b = run_round(*policy, pool, 10, 2).picked;
  CHECK(a != b);
  CHECK(run_round(*policy, pool, kPool, 3).picked.size() == static_cast<std::size_t>(kPool));
}

TEST_CASE("agreement: entropy, margin and least confidence equal their formulas computed by hand") {
  const Pool pool = make_pool();
  const auto entropy = score_map(run_round(*make_policy("entropy"), pool, 5, 0));
  const auto margin = score_map(run_round(*make_policy("margin"), pool, 5, 0));
  const auto least = score_map(run_round(*make_policy("least_confidence"), pool, 5, 0));
  for (std::int64_t i = 0; i < kPool; ++i) {
    const auto p = softmax_row(pool.logits, i);
    double h = 0;
    for (double v : p) h -= v > 0 ? v * std::log(v) : 0.0;
    std::vector<double> s(p);
    std::sort(s.rbegin(), s.rend());
    const std::int64_t id = kLabeled + i;
    CHECK(entropy.at(id) == doctest::Approx(h).epsilon(1e-5));
    CHECK(margin.at(id) == doctest::Approx(s[1] - s[0]).epsilon(1e-5));
    CHECK(least.at(id) == doctest::Approx(1.0 - s[0]).epsilon(1e-5));
  }
  CHECK(entropy.at(kUncertain) == doctest::Approx(std::log(5.0)).epsilon(1e-6));
}

TEST_CASE("top-k: highest score first; ties broken by a seeded random key, not by sample ID") {
  const std::vector<std::int64_t> ids{40, 10, 30, 20, 50};
  const std::vector<float> scores{1.0f, 2.0f, 2.0f, 0.5f, 2.0f};
  // Distinct scores: order is the score order whatever the seed.
  for (std::uint64_t seed : {0ull, 1ull, 99ull}) {
    const auto top = top_k_by_score(ids, scores, 4, seed);
    CHECK(std::set<std::int64_t>(top.begin(), top.begin() + 3) == std::set<std::int64_t>{10, 30, 50});
    CHECK(top[3] == 40);
    CHECK(top_k_by_score(ids, scores, 9, seed).size() == 5);
    // Deterministic, and independent of the order the samples arrive in.
    std::vector<std::int64_t> rids(ids.rbegin(), ids.rend());
    std::vector<float> rscores(scores.rbegin(), scores.rend());
    CHECK(top_k_by_score(rids, rscores, 4, seed) == top);
  }
  // A class-sorted pool of 1000 tied scores (class = id / 100): picking 100 by lowest ID would
  // take class 0 only. The seeded key spreads the picks over classes, and seeds differ.
  std::vector<std::int64_t> pool(1000);
  std::iota(pool.begin(), pool.end(), std::int64_t{0});
  const std::vector<float> tied(pool.size(), 0.5f);
  const auto a = top_k_by_score(pool, tied, 100, 7);
  const auto b = top_k_by_score(pool, tied, 100, 8);
  std::set<std::int64_t> classes;
  for (auto id : a) classes.insert(id / 100);
  CHECK(classes.size() >= 8);
  CHECK(a != b);
  CHECK(*std::max_element(a.begin(), a.end()) >= 500);
}

TEST_CASE("a NaN score is an error naming the sample") {
  struct NanPolicy : ScorePolicy {
    std::uint32_t needs() const override { return kNeedLogits; }
    at::Tensor score(const PoolBatch& b) override { return torch::full({b.ids.size(0)}, NAN); }
  } policy;
  CHECK_THROWS_WITH(run_round(policy, make_pool(), 3, 0), doctest::Contains("is NaN"));
}

TEST_CASE("top-k uncertainty policies pick the flat sample and leave the confident one") {
  const Pool pool = make_pool();
  for (const char* name : {"entropy", "margin", "least_confidence"}) {
    INFO(name);
    const auto picked = run_round(*make_policy(name), pool, 10, 0).picked;
    CHECK(std::count(picked.begin(), picked.end(), kUncertain) == 1);
    CHECK(std::count(picked.begin(), picked.end(), kConfident) == 0);
  }
}

TEST_CASE("agreement: coreset picks equal a naive O(N*B) k-center greedy loop") {
  const Pool pool = make_pool();
  const std::int64_t budget = 20;
  const auto picked = run_round(*make_policy("coreset"), pool, budget, 0).picked;
  // Naive: distance to the nearest center by plain loops, argmax with the first index on ties.
  auto row = [](const at::Tensor& t, std::int64_t i) { return t[i].contiguous(); };
  auto dist2 = [](const at::Tensor& x, const at::Tensor& y) {
    double s = 0;
    for (std::int64_t k = 0; k < x.size(0); ++k) {
      const double e = double(x[k].item<float>()) - y[k].item<float>();
      s += e * e;
    }
    return s;
  };
  std::vector<double> min_d(kPool, INFINITY);
  for (std::int64_t i = 0; i < kPool; ++i)
    for (std::int64_t c = 0; c < kLabeled; ++c)
      min_d[i] = std::min(min_d[i], dist2(row(pool.embedding, i), row(pool.labeled_embedding, c)));
  std::vector<std::int64_t> expected;
  for (std::int64_t b = 0; b < budget; ++b) {
    std::int64_t j = 0;
    for (std::int64_t i = 1; i < kPool; ++i)
      if (min_d[i] > min_d[j]) j = i;
    expected.push_back(kLabeled + j);
    for (std::int64_t i = 0; i < kPool; ++i) min_d[i] = std::min(min_d[i], dist2(row(pool.embedding, i), row(pool.embedding, j)));
  }
  CHECK(picked == expected);
}

TEST_CASE("coreset on a larger random pool agrees with the naive loop, with and without centers") {
  // Clustered points exercise the pruning: many clusters are skipped once radii shrink.
  torch::manual_seed(11);
  const std::int64_t n = 3000, m = 40, d = 16, k = 60;
  const at::Tensor centers_of_mass = torch::randn({12, d}) * 5;
  const at::Tensor pts = (centers_of_mass.index_select(0, torch::randint(12, {n}, torch::kInt64)) + torch::randn({n, d})).contiguous();
  const at::Tensor lab = (centers_of_mass.index_select(0, torch::randint(12, {m}, torch::kInt64)) + torch::randn({m, d})).contiguous();
  auto naive = [&](std::int64_t centers) {
    const at::Tensor p = pts.to(torch::kDouble), c = lab.to(torch::kDouble);
    at::Tensor min_d = centers ? torch::cdist(p, c.narrow(0, 0, centers)).pow(2).amin(1) : torch::full({n}, INFINITY, torch::kDouble);
    std::vector<std::int64_t> out;
    for (std::int64_t b = 0; b < k; ++b) {
      const std::int64_t j = min_d.argmax().item<std::int64_t>();  // first index on ties
      out.push_back(j);
      min_d = torch::minimum(min_d, (p - p[j]).pow(2).sum(1));
    }
    return out;
  };
  // The plugin's own function is not exported; run it through the policy with a bigger pool.
  auto run = [&](std::int64_t centers) {
    auto policy = make_policy("coreset");
    std::vector<std::int64_t> labeled(static_cast<std::size_t>(centers));
    SelectionContext ctx;
    ctx.budget = k;
    ctx.pool_size = n;
    ctx.labeled = &labeled;
    policy->begin(ctx);
    if (centers) {
      PoolBatch lb;
      lb.ids = torch::arange(centers, torch::kInt64);
      lb.embedding = lab.narrow(0, 0, centers);
      policy->observe_labeled(lb);
    }
    for (std::int64_t lo = 0; lo < n; lo += 512) {
      PoolBatch b;
      b.ids = torch::arange(lo, std::min(n, lo + 512), torch::kInt64);
      b.embedding = pts.slice(0, lo, std::min(n, lo + 512));
      policy->observe(b);
    }
    return policy->select().picked;
  };
  CHECK(run(m) == naive(m));
  CHECK(run(0) == naive(0));
}

TEST_CASE("agreement: badge equals k-means++ on explicit gradient embeddings") {
  const Pool pool = make_pool();
  const std::int64_t budget = 8;
  const std::uint64_t seed = 99;
  const auto picked = run_round(*make_policy("badge"), pool, budget, seed).picked;
  // Explicit g_i = (p_i - onehot(argmax p_i)) outer h_i, flattened to K*D.
  const at::Tensor p = torch::softmax(pool.logits, 1);
  const at::Tensor a = p - torch::one_hot(p.argmax(1), kClasses).to(torch::kFloat);
  const at::Tensor g = (a.unsqueeze(2) * pool.embedding.unsqueeze(1)).reshape({kPool, -1}).to(torch::kDouble);
  std::vector<double> min_d(kPool, INFINITY);
  std::vector<bool> taken(kPool, false);
  std::int64_t next = g.pow(2).sum(1).argmax().item<std::int64_t>();
  Rng rng(seed);
  std::vector<std::int64_t> expected;
  while (true) {
    expected.push_back(kLabeled + next);
    taken[next] = true;
    min_d[next] = 0;
    if (static_cast<std::int64_t>(expected.size()) == budget) break;
    double total = 0;
    for (std::int64_t i = 0; i < kPool; ++i) {
      if (!taken[i]) min_d[i] = std::min(min_d[i], (g[i] - g[next]).pow(2).sum().item<double>());
      total += taken[i] ? 0 : min_d[i];
    }
    const double u = rng.uniform01() * total;
    double run = 0;
    next = -1;
    for (std::int64_t i = 0; i < kPool && next < 0; ++i)
      if (!taken[i] && (run += min_d[i]) > u) next = i;
  }
  CHECK(picked == expected);
}

TEST_CASE("power: beta -> infinity is the base top-k; beta = 0 depends on the seed only") {
  const Pool pool = make_pool();
  const auto top = run_round(*make_policy("entropy"), pool, 10, 0).picked;
  auto sharp = run_round(*make_policy("power", "beta = 1e6"), pool, 10, 5).picked;
  std::sort(sharp.begin(), sharp.end());
  auto top_sorted = top;
  std::sort(top_sorted.begin(), top_sorted.end());
  CHECK(sharp == top_sorted);
  const auto u1 = run_round(*make_policy("power", "beta = 0.0"), pool, 10, 1).picked;
  const auto u2 = run_round(*make_policy("power", "beta = 0.0"), pool, 10, 2).picked;
  CHECK(u1 != u2);
  CHECK(run_round(*make_policy("power", "beta = 0.0"), pool, 10, 1).picked == u1);
  // Margin's scores are negative: shifted, still sampled, never the confident sample first.
  CHECK(run_round(*make_policy("power", "base = \"margin\""), pool, 10, 3).picked.size() == 10);
  CHECK_THROWS_WITH(make_policy("power", "base = \"nope\""), doctest::Contains("unknown policy 'nope'"));
  CHECK_THROWS_WITH(run_round(*make_policy("power", "base = \"random\""), pool, 10, 3), doctest::Contains("gives no scores"));
}

TEST_CASE("agreement: BALD, MC entropy, variation ratios, committee and true loss equal plain loops") {
  const Pool pool = make_pool();
  const auto bald = score_map(run_round(*make_policy("bald"), pool, 5, 0));
  const auto mce = score_map(run_round(*make_policy("mc_entropy"), pool, 5, 0));
  const auto vr = score_map(run_round(*make_policy("variation_ratios"), pool, 5, 0));
  const auto vote = score_map(run_round(*make_policy("committee"), pool, 5, 0));
  const auto kl = score_map(run_round(*make_policy("committee", "measure = \"kl\""), pool, 5, 0));
  const auto tl = score_map(run_round(*make_policy("true_loss"), pool, 5, 0));
  auto H = [](const std::vector<double>& p) {
    double h = 0;
    for (double v : p) h -= v > 0 ? v * std::log(v) : 0.0;
    return h;
  };
  for (std::int64_t i = 0; i < kPool; ++i) {
    INFO("sample ", i);
    const std::int64_t id = kLabeled + i;
    std::vector<double> mean(kClasses, 0.0);
    double mean_h = 0;
    std::vector<int> votes(kClasses, 0);
    for (std::int64_t t = 0; t < kPasses; ++t) {
      const auto p = softmax_row(pool.mc_logits[t], i);
      for (std::int64_t k = 0; k < kClasses; ++k) mean[k] += p[k] / kPasses;
      mean_h += H(p) / kPasses;
      votes[std::max_element(p.begin(), p.end()) - p.begin()] += 1;
    }
    CHECK(mce.at(id) == doctest::Approx(H(mean)).epsilon(1e-4));
    CHECK(bald.at(id) == doctest::Approx(H(mean) - mean_h).epsilon(1e-4).scale(1.0));
    CHECK(vr.at(id) == doctest::Approx(1.0 - double(*std::max_element(votes.begin(), votes.end())) / kPasses));
    std::vector<double> share(kClasses, 0.0), consensus(kClasses, 0.0);
    std::vector<std::vector<double>> member;
    for (std::int64_t m = 0; m < kMembers; ++m) {
      member.push_back(softmax_row(pool.committee_logits[m], i));
      share[std::max_element(member.back().begin(), member.back().end()) - member.back().begin()] += 1.0 / kMembers;
      for (std::int64_t k = 0; k < kClasses; ++k) consensus[k] += member.back()[k] / kMembers;
    }
    double kl_sum = 0;
    for (const auto& pm : member)
      for (std::int64_t k = 0; k < kClasses; ++k) kl_sum += pm[k] > 0 ? pm[k] * std::log(pm[k] / consensus[k]) / kMembers : 0.0;
    CHECK(vote.at(id) == doctest::Approx(H(share)).epsilon(1e-5));
    CHECK(kl.at(id) == doctest::Approx(kl_sum).epsilon(1e-4).scale(1.0));
    const auto p = softmax_row(pool.logits, i);
    CHECK(tl.at(id) == doctest::Approx(-std::log(p[pool.labels[i].item<std::int64_t>()])).epsilon(1e-4));
  }
  CHECK(vr.at(kUncertain) == doctest::Approx(1.0 - 2.0 / kPasses));  // 8 passes over 5 classes: modal 2
}

TEST_CASE("agreement: LLAL's ranking loss on hand-computed pairs") {
  using alchain::plugins::llal_ranking_loss;
  // Pair (0, 1): l0 > l1 so sign = +1; loss = max(0, 1 - (p0 - p1)) = max(0, 1 - (0.2 - 0.9)) = 1.7.
  CHECK(llal_ranking_loss(torch::tensor({0.2f, 0.9f}), torch::tensor({3.0f, 1.0f}), 1.0).item<float>() ==
        doctest::Approx(1.7));
  // Ranked right by more than the margin: no loss.
  CHECK(llal_ranking_loss(torch::tensor({2.0f, 0.1f}), torch::tensor({3.0f, 1.0f}), 1.0).item<float>() == 0.0f);
  // l0 < l1: sign = -1; loss = max(0, 0.5 + (p0 - p1)) = 0.5 + 0.3.
  CHECK(llal_ranking_loss(torch::tensor({0.4f, 0.1f}), torch::tensor({1.0f, 2.0f}), 0.5).item<float>() ==
        doctest::Approx(0.8));
  // Four samples pair (0, 3) and (1, 2); an odd fifth is left out; the mean over pairs.
  const at::Tensor p = torch::tensor({0.2f, 2.0f, 0.1f, 0.9f, 7.0f}), l = torch::tensor({3.0f, 3.0f, 1.0f, 1.0f, 9.0f});
  CHECK(llal_ranking_loss(p, l, 1.0).item<float>() == doctest::Approx((1.7 + 0.0) / 2));
  // No gradient into the targets.
  const at::Tensor pred = torch::tensor({0.2f, 0.9f}).requires_grad_(), target = torch::tensor({3.0f, 1.0f}).requires_grad_();
  llal_ranking_loss(pred, target, 1.0).backward();
  CHECK_FALSE(target.grad().defined());
  CHECK(pred.grad()[0].item<float>() == doctest::Approx(-1.0));
}

TEST_CASE("llal exposes a training head that reads the taps the pipeline names") {
  auto policy = make_policy("llal", "taps = \"stage2,stage3\"");
  auto head = policy->training_head();
  REQUIRE(head);
  CHECK(head->taps() == std::vector<std::string>{"stage2", "stage3"});
  CHECK(policy->needs() == kNeedTaps);
  head->reset({{"stage2", {32, 16, 16}}, {"stage3", {64, 8, 8}}}, 10);
  CHECK(head->parameters().size() == 6);  // two tap layers and the output layer, weights and biases
}
