// Reference-model pseudo-oracle: a bigger model's prediction serves as the pseudo-label.
#pragma once

#include <cstdint>

#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

/// With the deployed prediction c = argmax_k z_k and the reference model's logits r:
/// f = softmax(r)_c; verdict argmax_k r_k = c (the reference's prediction as pseudo-label).
/// Argmax ties go to the lowest class index.
class ReferenceModelOracle : public PseudoOracle {
 public:
  ReferenceModelOracle(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return kOracleNeedReference; }
  OracleVerdicts assess(const OracleBatch& batch) override;
};

}  // namespace alchain::plugins
