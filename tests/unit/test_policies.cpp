// Every policy plugin found: conformance on a small pool; agreement of scores with plain-loop formulas.
#include <cmath>
#include <set>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/sdk/policy.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

constexpr std::int64_t kLabeled = 100, kPool = 50, kClasses = 5, kUncertain = 120, kConfident = 130;

struct Pool {
  at::Tensor ids, logits, embedding;
  std::vector<std::int64_t> labeled;
};

/// A fixed pool: IDs 100..149 (0..99 are labeled); sample 120 has flat logits, 130 a sure one.
Pool make_pool() {
  torch::manual_seed(7);
  Pool p;
  p.ids = torch::arange(kLabeled, kLabeled + kPool, torch::kInt64);
  p.logits = torch::randn({kPool, kClasses});
  p.logits[kUncertain - kLabeled] = torch::zeros({kClasses});
  p.logits[kConfident - kLabeled] = torch::tensor({20.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  p.embedding = torch::randn({kPool, 8});
  for (std::int64_t i = 0; i < kLabeled; ++i) p.labeled.push_back(i);
  return p;
}

std::shared_ptr<Policy> make_policy(const std::string& name) {
  const auto& info = test::shipped_plugins().get(PluginKind::policy, name);
  Diagnostics d("test");
  Params params = resolve_plugin_params(info, nullptr, "policy_params", {}, d);
  REQUIRE(d.empty());
  CreateContext ctx;
  ctx.num_classes = kClasses;
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
  for (std::int64_t lo = 0; lo < kPool; lo += 16) {
    const std::int64_t hi = std::min(kPool, lo + 16);
    PoolBatch b;
    b.ids = pool.ids.slice(0, lo, hi);
    if (policy.needs() & kNeedLogits) b.logits = pool.logits.slice(0, lo, hi);
    if (policy.needs() & kNeedEmbedding) b.embedding = pool.embedding.slice(0, lo, hi);
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
  REQUIRE(names.size() >= 4);
  for (const auto& name : names) {
    INFO("policy ", name);
    auto policy = make_policy(name);
    const Selection a = run_round(*policy, pool, 10, 42);
    REQUIRE(a.picked.size() == 10);
    const std::set<std::int64_t> distinct(a.picked.begin(), a.picked.end());
    CHECK(distinct.size() == 10);
    for (auto id : a.picked) CHECK((id >= kLabeled && id < kLabeled + kPool));
    const Selection b = run_round(*make_policy(name), pool, 10, 42);
    CHECK(a.picked == b.picked);
    if (!a.scores.empty()) {
      CHECK(a.score_ids.size() == static_cast<std::size_t>(kPool));
      const auto m = score_map(a);
      CHECK(m.at(kUncertain) > m.at(kConfident));
      CHECK(distinct.count(kUncertain) == 1);
      CHECK(distinct.count(kConfident) == 0);
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

TEST_CASE("top-k: highest score first, ties to the lower sample ID") {
  const std::vector<std::int64_t> ids{40, 10, 30, 20, 50};
  const std::vector<float> scores{1.0f, 2.0f, 2.0f, 0.5f, 2.0f};
  CHECK(top_k_by_score(ids, scores, 3) == std::vector<std::int64_t>{10, 30, 50});
  CHECK(top_k_by_score(ids, scores, 4) == std::vector<std::int64_t>{10, 30, 50, 40});
  CHECK(top_k_by_score(ids, scores, 9).size() == 5);
}

TEST_CASE("a NaN score is an error naming the sample") {
  struct NanPolicy : ScorePolicy {
    std::uint32_t needs() const override { return kNeedLogits; }
    at::Tensor score(const PoolBatch& b) override { return torch::full({b.ids.size(0)}, NAN); }
  } policy;
  CHECK_THROWS_WITH(run_round(policy, make_pool(), 3, 0), doctest::Contains("is NaN"));
}
