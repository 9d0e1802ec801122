/// Ready-made policies for scores that are one formula of the surrogate's outputs.
#pragma once

#include "alchain/sdk/abi.h"
#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"

namespace alchain {

/// Scores each sample by `Score(logits)` ([B, K] -> [B]); e.g.
/// `using EntropyPolicy = LogitsScorePolicy<&uncertainty::entropy>;`
template <at::Tensor (*Score)(const at::Tensor&)>
class LogitsScorePolicy : public ScorePolicy {
 public:
  LogitsScorePolicy(const Params&, const CreateContext&) {}
  std::uint32_t needs() const override { return kNeedLogits; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return Score(batch.logits); }
};

/// The parameters McDropoutScorePolicy reads, for its plugin's descriptor.
inline constexpr alchain_param_spec kMcDropoutParams[] = {
    {"passes", ALCHAIN_PARAM_INT, "20", 2, 1000, nullptr, "Stochastic forward passes T with dropout active."},
};

/// Scores each sample by `Score(mc_logits)` ([T, B, K] -> [B]) over the int parameter `passes`
/// stochastic passes with dropout active. Declare ALCHAIN_FLAG_NEEDS_MC_DROPOUT with it.
template <at::Tensor (*Score)(const at::Tensor&)>
class McDropoutScorePolicy : public ScorePolicy {
 public:
  McDropoutScorePolicy(const Params& params, const CreateContext&)
      : passes_(static_cast<int>(params.get_int("passes"))) {}
  std::uint32_t needs() const override { return kNeedMcLogits; }
  int mc_passes() const override { return passes_; }

 protected:
  at::Tensor score(const PoolBatch& batch) override { return Score(batch.mc_logits); }

 private:
  int passes_;
};

}  // namespace alchain
