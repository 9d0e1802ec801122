// Picks the samples whose most likely class has the lowest probability.
#pragma once

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

class LeastConfidencePolicy : public ScorePolicy {
 public:
  LeastConfidencePolicy(const Params&, const CreateContext&) {}
  std::uint32_t needs() const override { return kNeedLogits; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return uncertainty::least_confidence(batch.logits); }
};

}  // namespace alchain::plugins
