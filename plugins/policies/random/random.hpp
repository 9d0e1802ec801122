// Uniform random picks: the baseline every other policy is compared with.
#pragma once

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/rng.hpp"

namespace alchain::plugins {

/// Needs nothing from the surrogate, so the host does not run it. Picks `budget` IDs uniformly
/// without replacement with the round's seed; IDs are collected in pool order, so the picks
/// depend only on the seed and the pool.
class RandomPolicy : public Policy {
 public:
  RandomPolicy(const Params&, const CreateContext&) {}
  std::uint32_t needs() const override { return kNeedNothing; }
  void begin(const SelectionContext& ctx) override {
    ctx_ = ctx;
    ids_.clear();
    ids_.reserve(static_cast<std::size_t>(ctx.pool_size));
  }
  void observe(const PoolBatch& batch) override {
    const at::Tensor ids = batch.ids.contiguous();
    ids_.insert(ids_.end(), ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + ids.numel());
  }
  Selection select() override {
    Rng rng(ctx_.seed);
    const auto k = static_cast<std::size_t>(ctx_.budget);
    rng.shuffle_prefix(ids_, k);
    Selection s;
    s.picked.assign(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(std::min(k, ids_.size())));
    return s;
  }

 private:
  SelectionContext ctx_;
  std::vector<std::int64_t> ids_;
};

}  // namespace alchain::plugins
