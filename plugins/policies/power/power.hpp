// Stochastic batch acquisition over any score-based policy (Kirsch et al., TMLR 2023).
#pragma once

#include <memory>
#include <string>

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"

namespace alchain::plugins {

/// Runs the `base` policy, then samples `budget` IDs without replacement with probability
/// proportional to score^beta, by Gumbel-top-k on beta * log(score) (equivalent to sequential
/// sampling). Negative scores (margin's) are shifted so the lowest is 0. Scores written to the
/// result file are the base policy's. `base` names a policy plugin (used with its defaults) or a
/// `[policies.<name>]` entry of the pipeline (with its parameters); the host checks the base's
/// requirements (MC dropout, labels) against the surrogate like any policy's.
class PowerPolicy : public Policy {
 public:
  PowerPolicy(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return base_->needs(); }
  void begin(const SelectionContext& ctx) override;
  void observe_labeled(const PoolBatch& batch) override { base_->observe_labeled(batch); }
  void observe(const PoolBatch& batch) override { base_->observe(batch); }
  Selection select() override;
  /// The base's MC passes and training head are the wrapper's: `bald` or `llal` as a base get
  /// the stochastic passes and the trained loss head they need.
  int mc_passes() const override { return base_->mc_passes(); }
  std::shared_ptr<TrainingHead> training_head() override { return base_->training_head(); }

 private:
  std::string base_name_;
  double beta_;
  std::shared_ptr<Policy> base_;
  SelectionContext ctx_;
};

}  // namespace alchain::plugins
