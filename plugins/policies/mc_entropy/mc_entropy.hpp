// Predictive entropy of the mean softmax over MC-dropout passes (Gal et al. 2017).
#pragma once

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

/// Score-based on T stochastic passes of the surrogate with dropout active (the host runs them;
/// the model must declare ALCHAIN_FLAG_MC_DROPOUT and have dropout > 0).
class McEntropyPolicy : public ScorePolicy {
 public:
  McEntropyPolicy(const Params& params, const CreateContext&) : passes_(static_cast<int>(params.get_int("passes"))) {}
  std::uint32_t needs() const override { return kNeedMcLogits; }
  int mc_passes() const override { return passes_; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return uncertainty::mc_entropy(batch.mc_logits); }

 private:
  int passes_;
};

}  // namespace alchain::plugins
