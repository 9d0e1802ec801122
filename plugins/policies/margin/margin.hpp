// Picks the samples with the smallest gap between the surrogate's two most likely classes.
#pragma once

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

class MarginPolicy : public ScorePolicy {
 public:
  MarginPolicy(const Params&, const CreateContext&) {}
  std::uint32_t needs() const override { return kNeedLogits; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return uncertainty::margin(batch.logits); }
};

}  // namespace alchain::plugins
