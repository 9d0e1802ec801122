// Agreement pseudo-oracle: how far companion models agree with the deployed model's prediction.
#pragma once

#include <cstdint>

#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

/// With M companion models (a chain's earlier generations, ...) and the deployed prediction
/// c = argmax_k z_k: f = (1/M) sum_m [argmax_k z^m_k = c], or with `soft` the companions' mean
/// probability of c, (1/M) sum_m softmax(z^m)_c. Verdict f >= `threshold`. Argmax ties go to the
/// lowest class index.
class AgreementOracle : public PseudoOracle {
 public:
  AgreementOracle(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return kOracleNeedCompanions; }
  OracleVerdicts assess(const OracleBatch& batch) override;

 private:
  bool soft_;
  double threshold_;
};

}  // namespace alchain::plugins
