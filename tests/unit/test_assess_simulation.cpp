// Operational-assessment statistics by simulation: 95% coverage, bias and efficiency of every
// design/estimator pair on simulated pools (design-based: one pool per regime, 2000 samples each).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "alchain/assess/estimators.hpp"
#include "alchain/assess/sampling.hpp"
#include "alchain/assess/simulation.hpp"
#include "assess_test_support.hpp"

using namespace alchain::assess;
using namespace alchain::assess::test;

namespace {

const SimResult& sim(Regime r, Design d, Estimator e, std::int64_t n, double accuracy, double level = 0.95) {
  static std::map<std::tuple<int, int, int, std::int64_t, double, double>, SimResult> cache;
  const auto key = std::make_tuple(static_cast<int>(r), static_cast<int>(d), static_cast<int>(e), n, accuracy, level);
  auto it = cache.find(key);
  if (it == cache.end()) {
    SimConfig c;
    c.regime = r;
    c.design = d;
    c.estimator = e;
    c.N = 10000;
    c.n = n;
    c.accuracy = accuracy;
    c.draws = 2000;
    c.seed = 2024;
    c.level = level;
    it = cache.emplace(key, simulate(c)).first;
  }
  return it->second;
}

const Regime kRegimes[] = {Regime::calibrated, Regime::overconfident, Regime::useless, Regime::shifted};

void check_coverage(const SimResult& r) {
  const std::string regime = to_string(r.config.regime), estimator = to_string(r.config.estimator);
  CAPTURE(regime);
  CAPTURE(estimator);
  CAPTURE(r.config.n);
  CAPTURE(r.rmse);
  CAPTURE(r.rms_se);
  CHECK(r.coverage >= 0.935);
  CHECK(r.coverage <= 0.965);
  // Unbiased estimators: |bias| within 4 Monte Carlo standard errors.
  CHECK(std::fabs(r.bias) <= 4 * r.rmse / std::sqrt(2000.0));
}

}  // namespace

TEST_CASE("95% coverage of the SRS, ppi and stratified intervals at n = 400 (about 40 expected failures)") {
  for (Regime r : kRegimes)
    for (const auto& [design, estimator] : kPairs) {
      if (design != Design::srs && design != Design::stratified) continue;
      check_coverage(sim(r, design, estimator, 400, 0.9));
    }
}

TEST_CASE("95% coverage of srs_wilson at accuracy 0.97 and n = 200") {
  for (Regime r : kRegimes) check_coverage(sim(r, Design::srs, Estimator::srs_wilson, 200, 0.97));
}

TEST_CASE("95% coverage of Horvitz-Thompson and Des Raj at n = 1000") {
  // Their normal intervals need more labels than the others: at n = 400 they cover 0.93-0.94
  // (docs/assessment.md): the weighted failure totals are skewed, the variance estimates are right.
  for (Regime r : kRegimes) {
    check_coverage(sim(r, Design::poisson, Estimator::horvitz_thompson, 1000, 0.9));
    check_coverage(sim(r, Design::sequential, Estimator::hansen_hurwitz, 1000, 0.9));
  }
}

TEST_CASE("the harness measures coverage, not a constant: srs_wilson at level 0.8 covers about 0.8") {
  const SimResult& r = sim(Regime::calibrated, Design::srs, Estimator::srs_wilson, 400, 0.9, 0.8);
  CHECK(r.coverage >= 0.77);
  CHECK(r.coverage <= 0.83);
}

TEST_CASE("efficiency: an informative pseudo-oracle helps, a useless one costs little") {
  const double srs_cal = sim(Regime::calibrated, Design::srs, Estimator::srs_wilson, 400, 0.9).rmse;
  CHECK(sim(Regime::calibrated, Design::stratified, Estimator::stratified, 400, 0.9).rmse <= 1.05 * srs_cal);
  CHECK(sim(Regime::calibrated, Design::srs, Estimator::ppi, 400, 0.9).rmse <= 1.05 * srs_cal);
  const double srs_useless = sim(Regime::useless, Design::srs, Estimator::srs_wilson, 400, 0.9).rmse;
  const SimResult& ppi_useless = sim(Regime::useless, Design::srs, Estimator::ppi, 400, 0.9);
  CHECK(ppi_useless.rmse <= 1.10 * srs_useless);
  CHECK(ppi_useless.mean_lambda < 0.1);
  CHECK(sim(Regime::calibrated, Design::srs, Estimator::ppi, 400, 0.9).mean_lambda > 0.5);
}
