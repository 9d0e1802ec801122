// Power acquisition: Gumbel-top-k over beta * log(score).
#include "power.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "alchain/sdk/rng.hpp"

namespace alchain::plugins {

PowerPolicy::PowerPolicy(const Params& params, const CreateContext& ctx)
    : base_name_(params.get_string("base")), beta_(params.get_float("beta")) {
  if (base_name_ == "power") throw std::invalid_argument("power cannot wrap itself");
  if (!ctx.make_policy) throw std::runtime_error("this host cannot create the base policy");
  base_ = ctx.make_policy(base_name_);
}

void PowerPolicy::begin(const SelectionContext& ctx) {
  ctx_ = ctx;
  SelectionContext base_ctx = ctx;
  base_ctx.budget = 0;  // only its scores are used
  base_->begin(base_ctx);
}

Selection PowerPolicy::select() {
  Selection s = base_->select();
  if (s.scores.size() != s.score_ids.size() || (s.scores.empty() && ctx_.pool_size > 0))
    throw std::runtime_error("power needs a score-based base policy; '" + base_name_ + "' gives no scores");
  float low = 0.0f;
  for (std::size_t i = 0; i < s.scores.size(); ++i) {
    if (!std::isfinite(s.scores[i]))
      throw std::runtime_error("power: base '" + base_name_ + "' gave sample " + std::to_string(s.score_ids[i]) +
                               " a score that is not finite");
    low = std::min(low, s.scores[i]);
  }
  std::vector<float> keys(s.scores.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    // Each sample's Gumbel noise comes from (round seed, sample ID): independent of the order the
    // base returns its scores in.
    Rng rng(derive_seed(ctx_.seed, {static_cast<std::uint64_t>(s.score_ids[i])}));
    const double u = std::max(rng.uniform01(), 1e-300);
    const double gumbel = -std::log(-std::log(u));
    const double shifted = static_cast<double>(s.scores[i]) - low;
    if (beta_ == 0.0) keys[i] = static_cast<float>(gumbel);  // uniform, whatever the scores
    else keys[i] = shifted > 0 ? static_cast<float>(beta_ * std::log(shifted) + gumbel)
                               : -std::numeric_limits<float>::infinity();
  }
  s.picked = top_k_by_score(s.score_ids, keys, ctx_.budget, ctx_.seed);
  return s;
}

}  // namespace alchain::plugins
