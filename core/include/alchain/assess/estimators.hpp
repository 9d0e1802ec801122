/// Torch-free estimators of operational accuracy from a sample (and the pseudo-oracle on the
/// whole window), each with standard error and confidence interval.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alchain/assess/sampling.hpp"

namespace alchain::assess {

enum class Estimator {
  srs_wilson,           ///< sample mean; Wilson score interval with the finite-population correction
                        ///< (the exact hypergeometric interval above kExactIntervalFraction)
  srs_clopper_pearson,  ///< sample mean; Clopper-Pearson interval at the FPC-adjusted effective n
                        ///< (the exact hypergeometric interval above kExactIntervalFraction)
  stratified,           ///< sum_h (N_h / N) mean_h; normal interval on the stratified variance with FPC
  ppi,                  ///< difference / PPI++ with lambda estimated on the sample and clipped to [0, 1]
  horvitz_thompson,     ///< Poisson sampling: 1 - (1/N) sum e_i / pi_i over the failures e = 1 - y (the HT
                        ///< failure total); variance (1/N^2) sum (1 - pi_i) e_i / pi_i^2 (docs/assessment.md: why
                        ///< failures, not successes)
  hansen_hurwitz,       ///< sequential draws: 1 - T/N, T the mean of z_k = sum_{j<k} e_j + e_k / q_k (Des Raj on
                        ///< the failures e = 1 - y)
};
const char* to_string(Estimator e);
/// Parses the names above; throws std::invalid_argument otherwise.
Estimator estimator_from_string(const std::string& s);
/// Whether `e` can use the inclusion probabilities `d` logs (srs_* and ppi: srs; stratified:
/// stratified; horvitz_thompson: poisson; hansen_hurwitz: sequential).
bool compatible(Estimator e, Design d);
/// The designs `e` accepts, for error messages ("srs", "poisson", ...).
std::string compatible_designs(Estimator e);

struct Estimate {
  Estimator estimator = Estimator::srs_wilson;
  double point = 0;      ///< estimated accuracy (fraction of correct predictions in the window)
  double se = 0;         ///< standard error
  double lo = 0, hi = 0; ///< confidence interval, clipped to [0, 1]
  double n_eff = 0;      ///< effective sample size p (1 - p) / se^2, p the point clipped to [0, 1]; `labels` when se = 0
  std::int64_t labels = 0;    ///< labels used (distinct sampled units)
  std::int64_t failures = 0;  ///< sampled units whose prediction was wrong
  double lambda = 0;     ///< ppi only: the power-tuning weight used (0 elsewhere)
  bool exact = false;    ///< the sample was the whole window: point is the truth, se = 0
};

/// Estimates the accuracy of a window of N = f.size() units from `s` (drawn from the same f) and
/// `y`, the correctness (0/1) of each drawn unit in s.index order, at confidence `level`. Throws
/// std::invalid_argument when the estimator is not compatible with s.design, y.size() !=
/// s.index.size(), the sample has duplicate positions, or level is outside (0, 1).
Estimate estimate_accuracy(Estimator e, const Sample& s, const std::vector<double>& f,
                           const std::vector<int>& y, double level = 0.95);

/// The ppi estimator with a fixed lambda instead of one estimated on the sample: lambda F + mean_s(y
/// - lambda f), exactly design-unbiased under SRS for any fixed lambda (the estimated lambda of
/// estimate_accuracy(Estimator::ppi, ...) makes that one slightly biased, O(1/n)). Same checks and
/// interval as estimate_accuracy; throws std::invalid_argument unless s.design is srs and lambda is
/// finite.
Estimate estimate_ppi_fixed_lambda(const Sample& s, const std::vector<double>& f, const std::vector<int>& y,
                                   double lambda, double level = 0.95);

/// The online estimate: the pseudo-oracle alone, mean of f over the window.
double online_estimate(const std::vector<double>& f);

/// Wilson score interval for k successes in n at `level`, with the finite-population correction
/// for a sample of n out of N (N = 0: infinite population).
struct Bounds { double lo = 0, hi = 0; };
Bounds wilson_interval(double k, double n, double level, std::int64_t N = 0);
/// Clopper-Pearson (exact binomial) interval for k of n.
Bounds clopper_pearson_interval(double k, double n, double level);
/// The exact interval for the share K/N of successes in a population of N, from k successes in a
/// simple random sample of n drawn without replacement: the hypergeometric tests inverted, each
/// tail at (1 - level)/2 (the analogue of Clopper-Pearson without replacement). Its bounds are
/// multiples of 1/N, and it covers K/N with probability >= level for every K. Throws
/// std::invalid_argument unless 0 <= k <= n <= N, n >= 1.
Bounds hypergeometric_interval(std::int64_t k, std::int64_t n, std::int64_t N, double level);
/// Above this sampling fraction n/N the srs_* estimators use hypergeometric_interval instead of
/// their binomial approximations (whose coverage then falls below the level: docs/assessment.md).
constexpr double kExactIntervalFraction = 0.05;

}  // namespace alchain::assess
