// Operational-assessment statistics at the edges: all correct or all wrong, empty and tiny
// samples, strata of one, censuses, and every refusal (std::invalid_argument with its reason).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "alchain/assess/estimators.hpp"
#include "alchain/assess/sampling.hpp"
#include "assess_test_support.hpp"

using namespace alchain::assess;
using namespace alchain::assess::test;

TEST_CASE("all correct or all wrong: finite estimates and intervals of positive width") {
  std::vector<double> f;
  for (int i = 0; i < 60; ++i) f.push_back(0.3 + 0.6 * (i % 10) / 9.0);
  for (int value : {0, 1}) {
    for (const auto& [design, estimator] : kPairs) {
      CAPTURE(value);
      const std::string name = to_string(estimator);
      CAPTURE(name);
      const auto label = [value](std::int64_t) { return value; };
      const Sample s = draw_sample(options(design, 12, 3), f, label);
      const std::vector<int> y(s.index.size(), value);
      const Estimate e = estimate_accuracy(estimator, s, f, y);
      CHECK(finite_estimate(e));
      CHECK(e.lo < e.hi);
      CHECK(e.lo >= 0);
      CHECK(e.hi <= 1);
      CHECK(e.lo <= std::clamp(e.point, 0.0, 1.0));
      CHECK(std::clamp(e.point, 0.0, 1.0) <= e.hi);
      CHECK(e.failures == (value ? 0 : e.labels));
      CHECK(!e.exact);
      if (value == 1) CHECK(e.point == 1.0);
    }
  }
}

TEST_CASE("an empty Poisson sample and single-draw samples give [0, 1]-type intervals, not NaN") {
  const std::vector<double> f(10, 0.8);
  Sample empty;
  empty.design = Design::poisson;
  empty.population = 10;
  const Estimate e = estimate_accuracy(Estimator::horvitz_thompson, empty, f, {});
  CHECK(finite_estimate(e));
  CHECK(e.labels == 0);
  CHECK(e.lo == 0);
  CHECK(e.hi == 1);
  for (const auto& [design, estimator] : kPairs) {
    if (design == Design::poisson || design == Design::stratified) continue;
    const std::string name = to_string(estimator);
      CAPTURE(name);
    const Sample s = draw_sample(options(design, 1, 5), f, [](std::int64_t) { return 0; });
    const Estimate one = estimate_accuracy(estimator, s, f, {0});
    CHECK(finite_estimate(one));
    CHECK(one.lo < one.hi);
    CHECK(one.labels == 1);
    CHECK(one.n_eff == 1);
  }
}

TEST_CASE("stratified: a stratum of size 1 and a stratum with one sampled unit") {
  // From the sampler: min_per_stratum 1 keeps the singleton stratum {unit 2}, taken whole.
  const std::vector<double> f = {0.5, 0.9, 0.0, 0.5, 0.9, 0.5, 0.9, 0.5};
  const std::vector<int> truth = {1, 1, 0, 0, 1, 1, 1, 1};
  SamplerOptions o = options(Design::stratified, 5);
  o.strata = 3;
  o.min_per_stratum = 1;
  const Sample s = draw_sample(o, f, nullptr);
  REQUIRE(s.stratum_size == std::vector<std::int64_t>{1, 4, 3});
  CHECK(s.stratum_sample[0] == 1);
  const Estimate e = estimate_accuracy(Estimator::stratified, s, f, labels_of(s, truth));
  CHECK(finite_estimate(e));
  CHECK(e.lo < e.hi);
  // By hand: a sample with n_h = 1 of N_h = 4 contributes no variance and no NaN.
  Sample h;
  h.design = Design::stratified;
  h.population = 8;
  h.stratum_size = {4, 4};
  h.stratum_sample = {1, 3};
  h.index = {0, 4, 5, 6};
  h.stratum = {0, 1, 1, 1};
  h.inclusion = {0.25, 0.75, 0.75, 0.75};
  const Estimate m = estimate_accuracy(Estimator::stratified, h, f, {1, 1, 0, 1});
  CHECK(m.point == doctest::Approx(0.5 * 1 + 0.5 * 2.0 / 3));
  // Only stratum 1: W^2 (1 - 3/4) s^2 / 3 with s^2 = 3 (2/3)(1/3) / 2 = 1/3.
  CHECK(m.se == doctest::Approx(std::sqrt(0.25 * 0.25 * (1.0 / 3) / 3)));
  CHECK(finite_estimate(m));
}

TEST_CASE("a budget equal to the window is a census: exact, se 0; a larger budget is refused") {
  std::vector<double> f;
  std::vector<int> truth;
  for (int i = 0; i < 30; ++i) {
    f.push_back((i % 7) / 6.0);
    truth.push_back(i % 5 != 0);
  }
  const auto label = [&](std::int64_t i) { return truth[static_cast<std::size_t>(i)]; };
  for (const auto& [design, estimator] : kPairs) {
    const std::string name = to_string(estimator);
      CAPTURE(name);
    const Sample s = draw_sample(options(design, 30), f, label);
    const Estimate e = estimate_accuracy(estimator, s, f, labels_of(s, truth));
    CHECK(e.exact);
    CHECK(e.se == 0);
    CHECK(e.point == doctest::Approx(24.0 / 30).epsilon(1e-14));
    CHECK(e.lo == e.point);
    CHECK(e.hi == e.point);
    CHECK(e.labels == 30);
    const std::string msg = error_of([&] { draw_sample(options(design, 31), f, label); });
    CHECK(msg.find("budget 31") != std::string::npos);
    CHECK(msg.find("1..30") != std::string::npos);
  }
  CHECK(error_of([&] { draw_sample(options(Design::srs, 0), f, label); }).find("budget 0") != std::string::npos);
}

TEST_CASE("refusals: duplicate draws, incompatible pairs, tau and f out of range, bad levels") {
  const std::vector<double> f(10, 0.5);
  const Sample dup = srs_sample(10, {1, 3, 1});
  CHECK(error_of([&] { estimate_accuracy(Estimator::srs_wilson, dup, f, {1, 1, 0}); }).find("drawn twice") !=
        std::string::npos);
  const Sample s = srs_sample(10, {1, 3, 5});
  const std::string inc = error_of([&] {
    Sample p = s;
    p.design = Design::poisson;
    estimate_accuracy(Estimator::ppi, p, f, {1, 1, 0});
  });
  CHECK(inc.find("'ppi'") != std::string::npos);
  CHECK(inc.find("'poisson'") != std::string::npos);
  CHECK(inc.find("compatible designs: srs") != std::string::npos);
  for (Estimator e : {Estimator::stratified, Estimator::horvitz_thompson, Estimator::hansen_hurwitz})
    CHECK(error_of([&] { estimate_accuracy(e, s, f, {1, 1, 0}); }).find(compatible_designs(e)) != std::string::npos);
  CHECK_THROWS_AS(estimate_accuracy(Estimator::srs_wilson, s, f, {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(estimate_accuracy(Estimator::srs_wilson, s, f, {1, 2, 0}), std::invalid_argument);
  CHECK(error_of([&] { estimate_accuracy(Estimator::srs_wilson, s, f, {1, 1, 0}, 1.0); }).find("level") !=
        std::string::npos);
  CHECK_THROWS_AS(estimate_accuracy(Estimator::srs_wilson, s, f, {1, 1, 0}, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(estimate_ppi_fixed_lambda(s, f, {1, 1, 0}, NAN), std::invalid_argument);

  for (double tau : {-0.1, 1.5, static_cast<double>(NAN)}) {
    SamplerOptions o = options(Design::poisson, 3);
    o.tau = tau;
    const std::string msg = error_of([&] { draw_sample(o, f, nullptr); });
    CHECK(msg.find("tau") != std::string::npos);
    CHECK(msg.find("0 <= tau <= 1") != std::string::npos);
  }
  std::vector<double> bad = f;
  bad[4] = 1.2;
  CHECK(error_of([&] { draw_sample(options(Design::srs, 3), bad, nullptr); }).find("f[4] = 1.2") != std::string::npos);
  bad[4] = NAN;
  CHECK_THROWS_AS(draw_sample(options(Design::srs, 3), bad, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(draw_sample(options(Design::sequential, 3), f, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(design_from_string("cluster"), std::invalid_argument);
  CHECK(design_from_string("poisson") == Design::poisson);
  CHECK(estimator_from_string("hansen_hurwitz") == Estimator::hansen_hurwitz);
  CHECK_THROWS_AS(estimator_from_string("ht"), std::invalid_argument);
}
