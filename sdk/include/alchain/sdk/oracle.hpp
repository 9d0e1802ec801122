/// The pseudo-oracle plugin interface: a cheap, automatic guess of whether the deployed model's
/// prediction on an operational input is correct (docs/assessment.md).
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace alchain {

/// What a pseudo-oracle asks the host to compute for each window of operational inputs. The
/// deployed model's logits are always given.
enum OracleNeed : std::uint32_t {
  kOracleNeedNothing = 0,
  kOracleNeedMcLogits = 1u << 0,    ///< OracleBatch::mc_logits; declare ALCHAIN_FLAG_NEEDS_MC_DROPOUT
  kOracleNeedCompanions = 1u << 1,  ///< OracleBatch::companion_logits; declare ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS
  kOracleNeedReference = 1u << 2,   ///< OracleBatch::reference_logits; declare ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL
};

/// One batch of operational inputs as the deployed model (and what else was asked for) saw them.
/// Tensors are on the CPU; undefined unless needed.
struct OracleBatch {
  at::Tensor ids;               ///< int64 [B] sample IDs
  at::Tensor logits;            ///< float32 [B, K]: the deployed model
  at::Tensor mc_logits;         ///< float32 [T, B, K]: T = PseudoOracle::mc_passes() stochastic passes (Model::set_stochastic)
  at::Tensor companion_logits;  ///< float32 [M, B, K]: other models (a chain's earlier generations, ...)
  at::Tensor reference_logits;  ///< float32 [B, K]: a bigger model whose prediction serves as a pseudo-label
};

/// The pseudo-oracle's answer for a batch.
struct OracleVerdicts {
  std::vector<double> f;       ///< per input, in [0, 1]: the estimated probability that the prediction is correct
  std::vector<char> correct;   ///< per input, the binary verdict (1 = judged correct)
};

/// A pseudo-oracle. Per window the host calls assess() for each batch of the window's inputs; it
/// calls calibrate() once, before the first window, when the oracle asks for it.
class PseudoOracle {
 public:
  virtual ~PseudoOracle() = default;
  /// Required: a bit set of OracleNeed.
  virtual std::uint32_t needs() const = 0;
  /// Optional: stochastic passes wanted with kOracleNeedMcLogits.
  virtual int mc_passes() const { return 0; }
  /// Optional: whether calibrate() should be called (the host then holds out labelled samples).
  virtual bool wants_calibration() const { return false; }
  /// Optional: fit to the deployed model's logits float32 [N, K] on held-out labelled data with
  /// int64 [N] labels. Called again whenever the deployed model is retrained.
  virtual void calibrate(const at::Tensor& /*logits*/, const at::Tensor& /*labels*/) {}
  /// Required: f in [0, 1] and a verdict for every input of the batch, in batch order.
  virtual OracleVerdicts assess(const OracleBatch& batch) = 0;
};

}  // namespace alchain
