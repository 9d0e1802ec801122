// Shared by the assessment statistics tests: the tiny enumerated window, the design/estimator
// pairs, and small helpers.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alchain/assess/estimators.hpp"
#include "alchain/assess/sampling.hpp"

namespace alchain::assess::test {

// The tiny window of the enumeration tests: a failure at f = 0.88 (the pseudo-oracle is wrong there).
inline const std::vector<double> kF = {0.92, 0.35, 0.71, 0.88, 0.15, 0.97};
inline const std::vector<int> kY = {1, 0, 1, 0, 0, 1};
inline constexpr double kTruth = 0.5;

inline std::vector<int> labels_of(const Sample& s, const std::vector<int>& y) {
  std::vector<int> out;
  for (auto i : s.index) out.push_back(y[static_cast<std::size_t>(i)]);
  return out;
}

/// An SRS sample of the positions `idx` out of N.
inline Sample srs_sample(std::int64_t N, const std::vector<std::int64_t>& idx) {
  Sample s;
  s.design = Design::srs;
  s.population = N;
  s.index = idx;
  s.inclusion.assign(idx.size(), static_cast<double>(idx.size()) / static_cast<double>(N));
  return s;
}

inline bool finite_estimate(const Estimate& e) {
  return std::isfinite(e.point) && std::isfinite(e.se) && std::isfinite(e.lo) && std::isfinite(e.hi) &&
         std::isfinite(e.n_eff);
}

inline SamplerOptions options(Design d, std::int64_t budget, std::uint64_t seed = 1) {
  SamplerOptions o;
  o.design = d;
  o.budget = budget;
  o.seed = seed;
  return o;
}

inline const std::vector<std::pair<Design, Estimator>> kPairs = {
    {Design::srs, Estimator::srs_wilson},          {Design::srs, Estimator::srs_clopper_pearson},
    {Design::srs, Estimator::ppi},                 {Design::stratified, Estimator::stratified},
    {Design::poisson, Estimator::horvitz_thompson}, {Design::sequential, Estimator::hansen_hurwitz},
};

template <class Fn>
inline std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument thrown)";
}

}  // namespace alchain::assess::test
