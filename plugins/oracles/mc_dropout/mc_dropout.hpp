// MC-dropout pseudo-oracle: the deployed prediction's mean probability over stochastic passes.
#pragma once

#include <cstdint>

#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

/// With the deterministic prediction c = argmax_k z_k and T passes z^t with dropout active:
/// f = (1/T) sum_t softmax(z^t)_c; verdict f >= `threshold`. Argmax ties go to the lowest class
/// index. Any T >= 1 the host gives is used (it is asked for `passes`).
class McDropoutOracle : public PseudoOracle {
 public:
  McDropoutOracle(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return kOracleNeedMcLogits; }
  int mc_passes() const override { return passes_; }
  OracleVerdicts assess(const OracleBatch& batch) override;

 private:
  int passes_;
  double threshold_;
};

}  // namespace alchain::plugins
