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
/// result file are the base policy's.
class PowerPolicy : public Policy {
 public:
  PowerPolicy(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return base_->needs(); }
  void begin(const SelectionContext& ctx) override;
  void observe_labeled(const PoolBatch& batch) override { base_->observe_labeled(batch); }
  void observe(const PoolBatch& batch) override { base_->observe(batch); }
  Selection select() override;

 private:
  std::string base_name_;
  double beta_;
  std::shared_ptr<Policy> base_;
  SelectionContext ctx_;
};

}  // namespace alchain::plugins
