// Confidence pseudo-oracle: the deployed model's (temperature-scaled) max softmax probability.
#pragma once

#include <cstdint>

#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

/// f = max_k softmax(z / T)_k of the deployed model's logits z; verdict f >= `threshold`. With
/// `calibrate`, T is refitted by calibrate() on held-out labelled logits (temperature scaling,
/// Guo et al. 2017); before the first calibrate(), and without `calibrate`, T is `temperature`.
class ConfidenceOracle : public PseudoOracle {
 public:
  ConfidenceOracle(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return kOracleNeedNothing; }
  bool wants_calibration() const override { return calibrate_; }
  /// Fits T when `calibrate` is set; otherwise keeps the fixed `temperature`.
  void calibrate(const at::Tensor& logits, const at::Tensor& labels) override;
  OracleVerdicts assess(const OracleBatch& batch) override;

 private:
  double temperature_;
  double threshold_;
  bool calibrate_;
};

/// Mean negative log-likelihood of `labels` (n, each in [0, k)) under softmax(logits / t), for
/// `n` rows of `k` finite logits, row-major; computed in double with the max subtracted per row.
double temperature_nll(const double* logits, const std::int64_t* labels, std::int64_t n, std::int64_t k, double t);

/// The t in [lo, hi] minimising temperature_nll, by golden-section search on log t to a width of
/// 1e-10 (deterministic). The NLL is convex in 1/t, hence unimodal in log t, so the search finds
/// the global minimum on the bracket (an end of it when the optimum lies outside).
double fit_temperature(const double* logits, const std::int64_t* labels, std::int64_t n, std::int64_t k,
                       double lo = 0.05, double hi = 20.0);

}  // namespace alchain::plugins
