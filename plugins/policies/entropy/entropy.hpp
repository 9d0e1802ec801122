// Picks the pool samples whose softmax entropy under the surrogate is highest.
#pragma once

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

class EntropyPolicy : public ScorePolicy {
 public:
  EntropyPolicy(const Params&, const CreateContext&) {}
  std::uint32_t needs() const override { return kNeedLogits; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return uncertainty::entropy(batch.logits); }
};

}  // namespace alchain::plugins
