// A selection round and the checks on what a policy returns.
#include "alchain/engine/selection_round.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "alchain/run/interrupt.hpp"
#include "alchain/util/clock.hpp"

namespace alchain {

namespace {

void check_selection(const Selection& s, std::int64_t budget, const std::vector<std::int64_t>& pool) {
  if (static_cast<std::int64_t>(s.picked.size()) != budget)
    throw std::runtime_error("picked " + std::to_string(s.picked.size()) + " samples, budget is " + std::to_string(budget));
  std::vector<std::int64_t> sorted = s.picked;
  std::sort(sorted.begin(), sorted.end());
  if (auto dup = std::adjacent_find(sorted.begin(), sorted.end()); dup != sorted.end())
    throw std::runtime_error("picked sample " + std::to_string(*dup) + " twice");
  for (auto id : sorted)  // pool is ascending
    if (!std::binary_search(pool.begin(), pool.end(), id))
      throw std::runtime_error("picked sample " + std::to_string(id) + ", which is not in the unlabeled pool");
  if (s.scores.size() != s.score_ids.size())
    throw std::runtime_error("returned " + std::to_string(s.scores.size()) + " scores for " +
                             std::to_string(s.score_ids.size()) + " sample IDs");
}

}  // namespace

SelectionOutcome run_selection_round(Policy& policy, const std::vector<std::int64_t>& labeled,
                                     const std::vector<std::int64_t>& pool, const SelectionRound& round,
                                     const BatchSource& source) {
  SelectionOutcome out;
  try {
    SelectionContext ctx;
    ctx.budget = std::min<std::int64_t>(round.budget, static_cast<std::int64_t>(pool.size()));
    ctx.pool_size = static_cast<std::int64_t>(pool.size());
    ctx.num_classes = round.num_classes;
    ctx.seed = round.seed;
    ctx.generation = round.generation;
    ctx.cycle = round.cycle;
    ctx.labeled = &labeled;
    ctx.task = round.task;
    ctx.reduction = round.reduction;
    ctx.reduction_fraction = round.reduction_fraction;
    const double t0 = monotonic_seconds();
    policy.begin(ctx);
    const std::uint32_t needs = policy.needs();
    if (needs & kNeedLabeled)
      source(labeled, needs & (kNeedLogits | kNeedEmbedding), [&](const PoolBatch& b) { policy.observe_labeled(b); });
    source(pool, needs, [&](const PoolBatch& b) { policy.observe(b); });
    out.score_s = monotonic_seconds() - t0;
    const double t1 = monotonic_seconds();
    out.selection = policy.select();
    out.select_s = monotonic_seconds() - t1;
    check_selection(out.selection, ctx.budget, pool);
  } catch (const Interrupted&) {
    throw;  // not the policy's failure
  } catch (const std::exception& e) {
    throw std::runtime_error(round.who + " failed: " + e.what());
  }
  return out;
}

}  // namespace alchain
