/// Simulated windows and repeated-sampling studies of the assessment designs and estimators:
/// coverage, bias, RMSE and width on a fixed window (design-based), torch-free.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/assess/estimators.hpp"
#include "alchain/assess/sampling.hpp"

namespace alchain::assess {

/// How the simulated pseudo-oracle score f relates to the truth (docs/assessment.md). f and the
/// correctness probability p are built from one logit-normal score s = sigmoid(mu + 1.5 Z), mu set
/// so that the window's mean p is the target accuracy.
enum class Regime {
  calibrated,     ///< f = s, y ~ Bernoulli(f)
  overconfident,  ///< f = s, y ~ Bernoulli(f^2)
  useless,        ///< f ~ Uniform(0, 1), y ~ Bernoulli(accuracy), independent of f
  shifted,        ///< f = s, y ~ Bernoulli(sigmoid(mu - 1 + 1.5 Z)): calibrated elsewhere, wrong by a logit here
};
const char* to_string(Regime r);

/// A simulated window: the pseudo-oracle score and the true correctness of each unit.
struct Pool {
  std::vector<double> f;
  std::vector<int> y;
  double accuracy = 0;  ///< the truth, mean of y
};
/// Builds a window of N units whose expected accuracy is `accuracy` (in (0, 1)); the realised one
/// is Pool::accuracy. Throws std::invalid_argument on N < 1 or accuracy outside (0, 1).
Pool make_pool(Regime r, std::int64_t N, double accuracy, std::uint64_t seed);

struct SimConfig {
  Regime regime = Regime::calibrated;
  Design design = Design::srs;
  Estimator estimator = Estimator::srs_wilson;
  std::int64_t N = 10000;  ///< window size
  std::int64_t n = 400;    ///< budget
  double accuracy = 0.9;   ///< target accuracy of the pool
  int draws = 2000;        ///< samples drawn from the one pool
  std::uint64_t seed = 0;  ///< the pool depends on (seed, regime), draw d's sample on (seed, d) only
  double level = 0.95;
  double tau = 0.3;
  int strata = 5;
};

struct SimResult {
  SimConfig config;
  double truth = 0;          ///< the pool's accuracy
  double online = 0;         ///< mean f over the pool (the pseudo-oracle alone)
  double coverage = 0;       ///< fraction of draws whose interval holds the truth
  double bias = 0;           ///< mean(point) - truth
  double rmse = 0;           ///< sqrt(mean((point - truth)^2))
  double mean_width = 0;     ///< mean of hi - lo
  double rms_se = 0;         ///< sqrt(mean(se^2)): near rmse when the variance estimator is right
  double mean_n_eff = 0;
  double mean_lambda = 0;    ///< ppi: mean power-tuning weight
  double mean_labels = 0;
  double mean_failures = 0;  ///< failures among the labels
  double seconds = 0;        ///< wall time of the study
};

/// Draws config.draws samples from one pool and estimates the accuracy from each. Throws
/// std::invalid_argument when the estimator and design are not compatible (or as make_pool,
/// draw_sample, estimate_accuracy).
SimResult simulate(const SimConfig& config);

/// Runs `simulate` for every regime and every compatible (design, estimator) pair, with the other
/// settings from `base`.
std::vector<SimResult> simulate_all(const SimConfig& base);

/// Prints one row per result: regime, design, estimator, truth, online estimate, coverage, bias,
/// RMSE, RMSE relative to srs_wilson in the same regime (when present), mean width, n_eff, labels,
/// failures, lambda.
void print_table(std::ostream& os, const std::vector<SimResult>& rows);

}  // namespace alchain::assess
