// Every pseudo-oracle plugin found: descriptors, needs and flags, hand-computed f, batch-split invariance, errors.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/sdk/oracle.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

/// An oracle made by its real plugin through the real registry, with `params_toml` over its defaults.
std::shared_ptr<PseudoOracle> make_oracle(const std::string& name, const std::string& params_toml = "") {
  const auto& info = test::shipped_plugins().get(PluginKind::oracle, name);
  Diagnostics d("test");
  const toml::table table = toml::parse(params_toml);
  Params params = resolve_plugin_params(info, &table, "oracle_params", {}, d);
  REQUIRE(d.empty());
  return test::shipped_plugins().create_oracle(name, params, CreateContext{});
}

at::Tensor rows_of(std::initializer_list<std::initializer_list<float>> rows) {
  std::vector<at::Tensor> out;
  for (const auto& r : rows) out.push_back(torch::tensor(std::vector<float>(r)));
  return torch::stack(out);
}

/// A batch with every input an oracle may ask for: IDs 1000.., T = 5 passes, M = 3 companions.
OracleBatch full_batch(std::int64_t b, std::int64_t k, std::uint64_t seed) {
  torch::manual_seed(seed);
  OracleBatch batch;
  batch.ids = torch::arange(1000, 1000 + b, torch::kInt64);
  batch.logits = 2.0 * torch::randn({b, k});
  batch.mc_logits = batch.logits.unsqueeze(0) + torch::randn({5, b, k});
  batch.companion_logits = batch.logits.unsqueeze(0) + 1.5 * torch::randn({3, b, k});
  batch.reference_logits = batch.logits + torch::randn({b, k});
  return batch;
}

/// The rows `index` of every input of `batch`, in that order.
OracleBatch select_rows(const OracleBatch& batch, const at::Tensor& index) {
  OracleBatch out;
  out.ids = batch.ids.index_select(0, index);
  out.logits = batch.logits.index_select(0, index);
  out.mc_logits = batch.mc_logits.index_select(1, index);
  out.companion_logits = batch.companion_logits.index_select(1, index);
  out.reference_logits = batch.reference_logits.index_select(0, index);
  return out;
}

/// The oracle's f for `batch` assessed in consecutive pieces of the given sizes.
OracleVerdicts assess_in_pieces(PseudoOracle& oracle, const OracleBatch& batch,
                                const std::vector<std::int64_t>& sizes) {
  OracleVerdicts all;
  std::int64_t lo = 0;
  for (std::int64_t n : sizes) {
    const OracleVerdicts v = oracle.assess(select_rows(batch, torch::arange(lo, lo + n, torch::kInt64)));
    REQUIRE(v.f.size() == static_cast<std::size_t>(n));
    REQUIRE(v.correct.size() == static_cast<std::size_t>(n));
    all.f.insert(all.f.end(), v.f.begin(), v.f.end());
    all.correct.insert(all.correct.end(), v.correct.begin(), v.correct.end());
    lo += n;
  }
  REQUIRE(lo == batch.logits.size(0));
  return all;
}

const std::vector<std::string> kShipped = {"agreement", "confidence", "mc_dropout", "reference_model"};

}  // namespace

TEST_CASE("oracle plugins: descriptors, needs() and flags agree") {
  const auto& reg = test::shipped_plugins();
  for (const auto& name : kShipped) CHECK(reg.contains(PluginKind::oracle, name));

  struct Expect {
    std::string name;
    std::uint32_t flags, needs;
  };
  for (const Expect& e : {Expect{"confidence", 0u, kOracleNeedNothing},
                          Expect{"agreement", ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS, kOracleNeedCompanions},
                          Expect{"mc_dropout", ALCHAIN_FLAG_NEEDS_MC_DROPOUT, kOracleNeedMcLogits},
                          Expect{"reference_model", ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL, kOracleNeedReference}}) {
    CAPTURE(e.name);
    const PluginInfo& info = reg.get(PluginKind::oracle, e.name);
    CHECK(info.kind == PluginKind::oracle);
    CHECK(info.abi_major == ALCHAIN_ABI_MAJOR);
    CHECK(info.abi_minor == ALCHAIN_ABI_MINOR);
    CHECK(info.flags == e.flags);
    CHECK(make_oracle(e.name)->needs() == e.needs);
  }
  CHECK(reg.get(PluginKind::oracle, "agreement").has(ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS));
  CHECK(reg.get(PluginKind::oracle, "mc_dropout").has(ALCHAIN_FLAG_NEEDS_MC_DROPOUT));
  CHECK(reg.get(PluginKind::oracle, "reference_model").has(ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL));

  CHECK(make_oracle("mc_dropout")->mc_passes() == 20);
  CHECK(make_oracle("mc_dropout", "passes = 7")->mc_passes() == 7);
  CHECK(make_oracle("confidence")->wants_calibration());
  CHECK_FALSE(make_oracle("confidence", "calibrate = false")->wants_calibration());
  CHECK_FALSE(make_oracle("agreement")->wants_calibration());
}

TEST_CASE("oracle conformance: every oracle plugin found gives f in [0, 1] for each input, needs match flags") {
  const auto& reg = test::shipped_plugins();
  const auto names = reg.names(PluginKind::oracle);
  REQUIRE(names.size() >= kShipped.size());
  const OracleBatch batch = full_batch(23, 6, 3);
  for (const auto& name : names) {
    CAPTURE(name);
    const PluginInfo& info = reg.get(PluginKind::oracle, name);
    auto oracle = make_oracle(name);
    const std::uint32_t needs = oracle->needs();
    CHECK(((needs & kOracleNeedMcLogits) != 0) == info.has(ALCHAIN_FLAG_NEEDS_MC_DROPOUT));
    CHECK(((needs & kOracleNeedCompanions) != 0) == info.has(ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS));
    CHECK(((needs & kOracleNeedReference) != 0) == info.has(ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL));
    if (needs & kOracleNeedMcLogits) CHECK(oracle->mc_passes() >= 2);
    const OracleVerdicts v = oracle->assess(batch);
    REQUIRE(v.f.size() == 23);
    REQUIRE(v.correct.size() == 23);
    for (double f : v.f) {
      CHECK(std::isfinite(f));
      CHECK(f >= 0.0);
      CHECK(f <= 1.0);
    }
    const OracleVerdicts empty = oracle->assess(select_rows(batch, torch::zeros({0}, torch::kInt64)));
    CHECK(empty.f.empty());
    CHECK(empty.correct.empty());
  }
}

TEST_CASE("confidence oracle: f is the max softmax probability at T; verdict f >= threshold") {
  OracleBatch b;
  b.ids = torch::tensor({7, 8, 9}, torch::kInt64);
  b.logits = rows_of({{2, 1, 0}, {-1, 3, 3}, {0.5, 0, -0.5}});
  // e^2 / (e^2 + e + 1); e^3 / (2 e^3 + e^-1); e^0.5 / (e^0.5 + 1 + e^-0.5)
  const OracleVerdicts v = make_oracle("confidence", "calibrate = false")->assess(b);
  REQUIRE(v.f.size() == 3);
  CHECK(v.f[0] == doctest::Approx(0.6652409557748219).epsilon(1e-12));
  CHECK(v.f[1] == doctest::Approx(0.49546264257784317).epsilon(1e-12));
  CHECK(v.f[2] == doctest::Approx(0.5064803910556541).epsilon(1e-12));
  CHECK(v.correct == std::vector<char>{1, 0, 1});

  // At T = 2 the first row is the third at T = 1.
  const OracleVerdicts t2 =
      make_oracle("confidence", "calibrate = false\ntemperature = 2.0\nthreshold = 0.6")->assess(b);
  CHECK(t2.f[0] == doctest::Approx(0.5064803910556541).epsilon(1e-12));
  CHECK(t2.correct == std::vector<char>{0, 0, 0});

  // Without calibration the oracle keeps its temperature even when calibrate() is called.
  auto fixed = make_oracle("confidence", "calibrate = false");
  fixed->calibrate(5.0 * b.logits, torch::tensor({1, 0, 2}, torch::kInt64));
  CHECK(fixed->assess(b).f == v.f);
}

TEST_CASE("confidence oracle: calibration recovers T = 5 on overconfident logits and lowers the NLL") {
  constexpr std::int64_t n = 6000, k = 4;
  torch::manual_seed(2024);
  // Calibrated logits: labels are drawn from their own softmax. Scaled by 5 they are overconfident.
  const at::Tensor calibrated = 1.5 * torch::randn({n, k}, torch::kDouble);
  const at::Tensor labels = torch::multinomial(torch::softmax(calibrated, 1), 1).squeeze(1);
  const at::Tensor over = (5.0 * calibrated).to(torch::kFloat);
  const auto nll = [&](double t) {
    return torch::nn::functional::cross_entropy(over.to(torch::kDouble) / t, labels).item<double>();
  };

  auto oracle = make_oracle("confidence");
  REQUIRE(oracle->wants_calibration());
  oracle->calibrate(over, labels);

  // Read the fitted T back from f on a probe row (a, 0, 0, 0): f = e^(a/T) / (e^(a/T) + 3).
  OracleBatch probe;
  probe.logits = rows_of({{2, 0, 0, 0}});
  const double f = oracle->assess(probe).f.at(0);
  const double t = 2.0 / std::log(3.0 * f / (1.0 - f));
  INFO("fitted temperature " << t);
  CHECK(t == doctest::Approx(5.0).epsilon(0.10));
  CHECK(nll(t) < nll(1.0) - 0.1);
  CHECK(nll(t) <= nll(t * 1.05));
  CHECK(nll(t) <= nll(t / 1.05));

  // Deterministic: a second fit on the same data gives the same T bit for bit.
  auto again = make_oracle("confidence");
  again->calibrate(over, labels);
  CHECK(again->assess(probe).f.at(0) == f);

  CHECK_THROWS_WITH_AS(oracle->calibrate(over, labels.slice(0, 0, 10)),
                       doctest::Contains("calibration labels must be integer [6000]"), std::runtime_error);
  CHECK_THROWS_WITH_AS(oracle->calibrate(over.slice(0, 0, 2), torch::tensor({0, 4}, torch::kInt64)),
                       doctest::Contains("calibration label 4 of row 1 is not a class in [0, 4)"), std::runtime_error);
  CHECK_THROWS_WITH_AS(oracle->calibrate(over, at::Tensor()),
                       doctest::Contains("calibration labels (int64 [N]) are missing"), std::runtime_error);
}

TEST_CASE("agreement oracle: the fraction (or mean probability) of 3 companions agreeing with the prediction") {
  OracleBatch b;
  b.ids = torch::tensor({1, 2}, torch::kInt64);
  b.logits = rows_of({{2, 0, 0}, {0, 1, 3}});                            // predictions 0 and 2
  b.companion_logits = torch::stack({rows_of({{1, 0, 0}, {0, 2, 1}}),    // agrees, disagrees
                                     rows_of({{0, 3, 0}, {0, 0, 5}}),    // disagrees, agrees
                                     rows_of({{4, 0, 1}, {1, 0, 0}})});  // agrees, disagrees
  const OracleVerdicts hard = make_oracle("agreement")->assess(b);
  REQUIRE(hard.f.size() == 2);
  CHECK(hard.f[0] == doctest::Approx(2.0 / 3.0).epsilon(1e-12));
  CHECK(hard.f[1] == doctest::Approx(1.0 / 3.0).epsilon(1e-12));
  CHECK(hard.correct == std::vector<char>{1, 0});

  // Soft: (e/(e+2) + 1/(e^3+2) + e^4/(e^4+e+1)) / 3 and (e/(e^2+e+1) + e^5/(e^5+2) + 1/(e+2)) / 3.
  const OracleVerdicts soft = make_oracle("agreement", "soft = true\nthreshold = 0.5")->assess(b);
  CHECK(soft.f[0] == doctest::Approx(0.5192116457953212).epsilon(1e-9));
  CHECK(soft.f[1] == doctest::Approx(0.48112443990471704).epsilon(1e-9));
  CHECK(soft.correct == std::vector<char>{1, 0});
}

TEST_CASE("mc_dropout oracle: mean probability of the deterministic prediction over the passes") {
  const float l2 = std::log(2.0f), l3 = std::log(3.0f), l6 = std::log(6.0f), l8 = std::log(8.0f), l18 = std::log(18.0f);
  OracleBatch b;
  b.logits = rows_of({{1, 0, 0}, {0, 0, 2}});  // predictions 0 and 2
  // Row 0 gives class 0 the probabilities 1/3, 1/2, 4/5, 1/4; row 1 gives class 2 3/4, 3/5, 9/10, 1/3.
  b.mc_logits = torch::stack({rows_of({{0, 0, 0}, {0, 0, l6}}), rows_of({{l2, 0, 0}, {0, 0, l3}}),
                              rows_of({{l8, 0, 0}, {0, 0, l18}}), rows_of({{0, l2, 0}, {0, 0, 0}})});
  const OracleVerdicts v = make_oracle("mc_dropout", "passes = 4")->assess(b);
  REQUIRE(v.f.size() == 2);
  CHECK(v.f[0] == doctest::Approx((1.0 / 3 + 0.5 + 0.8 + 0.25) / 4).epsilon(1e-6));
  CHECK(v.f[1] == doctest::Approx((0.75 + 0.6 + 0.9 + 1.0 / 3) / 4).epsilon(1e-6));
  CHECK(v.correct == std::vector<char>{0, 1});
}

TEST_CASE("reference_model oracle: f is the reference's probability of the prediction; verdict is argmax agreement") {
  OracleBatch b;
  b.logits = rows_of({{3, 0, 0}, {0, 2, 0}, {0, 0, 1}, {1, 1, 0}});  // 0, 1, 2, and 0 (ties: lowest)
  b.reference_logits = rows_of({{std::log(3.0f), 0, 0}, {std::log(4.0f), 0, 0}, {0, 0, std::log(2.0f)}, {0, 0, 0}});
  const OracleVerdicts v = make_oracle("reference_model")->assess(b);
  REQUIRE(v.f.size() == 4);
  CHECK(v.f[0] == doctest::Approx(3.0 / 5).epsilon(1e-6));
  CHECK(v.f[1] == doctest::Approx(1.0 / 6).epsilon(1e-6));
  CHECK(v.f[2] == doctest::Approx(2.0 / 4).epsilon(1e-6));
  CHECK(v.f[3] == doctest::Approx(1.0 / 3).epsilon(1e-6));
  CHECK(v.correct == std::vector<char>{1, 0, 1, 1});
}

TEST_CASE("oracle batch-split invariance: the same inputs split or ordered differently give the same f") {
  const OracleBatch batch = full_batch(37, 5, 11);
  const at::Tensor perm = torch::randperm(37, torch::kInt64);
  for (const auto& name : kShipped) {
    CAPTURE(name);
    auto oracle = make_oracle(name, name == "agreement" ? "soft = true" : "");
    if (oracle->wants_calibration()) oracle->calibrate(3.0 * batch.logits, torch::randint(5, {37}, torch::kInt64));
    const OracleVerdicts whole = oracle->assess(batch);
    const OracleVerdicts pieces = assess_in_pieces(*oracle, batch, {1, 5, 13, 18});
    const OracleVerdicts ones = assess_in_pieces(*oracle, batch, std::vector<std::int64_t>(37, 1));
    CHECK(pieces.f == whole.f);
    CHECK(pieces.correct == whole.correct);
    CHECK(ones.f == whole.f);
    const OracleVerdicts shuffled = oracle->assess(select_rows(batch, perm));
    std::vector<double> unshuffled(37);
    std::vector<char> unshuffled_correct(37);
    for (std::int64_t i = 0; i < 37; ++i) {
      const auto at = static_cast<std::size_t>(perm[i].item<std::int64_t>());
      unshuffled[at] = shuffled.f[static_cast<std::size_t>(i)];
      unshuffled_correct[at] = shuffled.correct[static_cast<std::size_t>(i)];
    }
    CHECK(unshuffled == whole.f);
    CHECK(unshuffled_correct == whole.correct);
  }
}

TEST_CASE("oracle input errors: a missing or mis-shaped tensor, or a NaN logit, is a clear error") {
  OracleBatch b = full_batch(4, 3, 5);
  OracleBatch no = b;
  no.companion_logits = at::Tensor();
  CHECK_THROWS_WITH_AS(make_oracle("agreement")->assess(no),
                       doctest::Contains("agreement oracle: companion_logits are missing"), std::runtime_error);
  no = b;
  no.mc_logits = at::Tensor();
  CHECK_THROWS_WITH_AS(make_oracle("mc_dropout")->assess(no),
                       doctest::Contains("mc_dropout oracle: mc_logits are missing"), std::runtime_error);
  no = b;
  no.reference_logits = at::Tensor();
  CHECK_THROWS_WITH_AS(make_oracle("reference_model")->assess(no),
                       doctest::Contains("reference_model oracle: reference_logits are missing"), std::runtime_error);
  no = b;
  no.logits = at::Tensor();
  for (const auto& name : kShipped) {
    CAPTURE(name);
    CHECK_THROWS_WITH_AS(make_oracle(name)->assess(no), doctest::Contains((name + " oracle: logits").c_str()),
                         std::runtime_error);
  }

  OracleBatch bad = b;
  bad.mc_logits = torch::randn({5, 3, 3});  // 3 rows, the batch has 4
  CHECK_THROWS_WITH_AS(
      make_oracle("mc_dropout")->assess(bad),
      doctest::Contains(
          "mc_logits must be floating-point [T, 4, 3] with T >= 1 (B and K as the logits), got Float [5, 3, 3]"),
      std::runtime_error);
  bad = b;
  bad.companion_logits = torch::randn({4, 3});
  CHECK_THROWS_WITH_AS(make_oracle("agreement")->assess(bad),
                       doctest::Contains("companion_logits must be floating-point [M, 4, 3]"), std::runtime_error);
  bad = b;
  bad.reference_logits = torch::randn({4, 2});
  CHECK_THROWS_WITH_AS(
      make_oracle("reference_model")->assess(bad),
      doctest::Contains("reference_logits must be floating-point [4, 3] like the logits, got Float [4, 2]"),
      std::runtime_error);
  bad = b;
  bad.logits = torch::randn({4});
  CHECK_THROWS_WITH_AS(make_oracle("confidence")->assess(bad),
                       doctest::Contains("logits must be floating-point [N, K]"), std::runtime_error);
  bad = b;
  bad.ids = torch::arange(3, torch::kInt64);
  CHECK_THROWS_WITH_AS(make_oracle("confidence")->assess(bad), doctest::Contains("ids must be int64 [4]"),
                       std::runtime_error);
  bad = b;
  bad.logits = b.logits.clone();
  bad.logits[2][1] = std::nanf("");
  for (const auto& name : kShipped) {
    CAPTURE(name);
    CHECK_THROWS_WITH_AS(make_oracle(name)->assess(bad),
                         doctest::Contains("logits of sample 1002 have a logit that is NaN or +inf"),
                         std::runtime_error);
  }
}

TEST_CASE("alchain plugins lists the oracle plugins and their parameters") {
  const auto r = test::run_cli("plugins");
  CHECK(r.status == 0);
  for (const auto& name : kShipped) {
    CAPTURE(name);
    CHECK(r.output.find("oracle   " + name) != std::string::npos);
    CHECK(r.output.find("libalchain_oracle_" + name + ".so") != std::string::npos);
  }
  const auto v = test::run_cli("plugins -v");
  CHECK(v.status == 0);
  CHECK(v.output.find("- temperature (float, default 1.0)") != std::string::npos);
  CHECK(v.output.find("- soft (bool, default false)") != std::string::npos);
}
