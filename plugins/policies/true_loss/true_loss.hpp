// The true-loss reference: the surrogate's cross-entropy under the true labels (an upper bound).
#pragma once

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

/// Reads the true labels of the pool, which no real deployment has: allowed only in a generation
/// marked `reference = true` (ALCHAIN_FLAG_USES_LABELS), and marked so in the result file.
class TrueLossPolicy : public ScorePolicy {
 public:
  TrueLossPolicy(const Params&, const CreateContext&) {}
  std::uint32_t needs() const override { return kNeedLogits | kNeedLabels; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return uncertainty::true_loss(batch.logits, batch.labels); }
};

}  // namespace alchain::plugins
