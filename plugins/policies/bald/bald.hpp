// BALD: mutual information between the prediction and the weights under MC dropout (Houlsby et al. 2011; Gal et al. 2017).
#pragma once

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

/// Score-based on T stochastic passes of the surrogate with dropout active (the host runs them;
/// the model must declare ALCHAIN_FLAG_MC_DROPOUT and have dropout > 0).
class BaldPolicy : public ScorePolicy {
 public:
  BaldPolicy(const Params& params, const CreateContext&) : passes_(static_cast<int>(params.get_int("passes"))) {}
  std::uint32_t needs() const override { return kNeedMcLogits; }
  int mc_passes() const override { return passes_; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return uncertainty::bald(batch.mc_logits); }

 private:
  int passes_;
};

}  // namespace alchain::plugins
