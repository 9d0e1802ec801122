/// One selection round: a policy sees the surrogate's outputs over the labeled set and the pool,
/// and picks. The same code serves `alchain run` and `alchain_bench`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alchain/sdk/policy.hpp"

namespace alchain {

class Communicator;

/// The batches a rank computes: batch b of the grid over the IDs is rank (b mod size)'s. The grid
/// (batch size and order) is the same for every world size, so a batch's outputs are too.
struct Shard {
  int rank = 0, size = 1;
};

/// Streams outputs for `ids` (what `needs` asks for) batch by batch into `sink`, only the batches
/// of `shard`: the surrogate in a run, precomputed features in a benchmark.
using BatchSource = std::function<void(const std::vector<std::int64_t>& ids, std::uint32_t needs, const Shard& shard,
                                       const std::function<void(const PoolBatch&)>& sink)>;

struct SelectionRound {
  std::int64_t budget = 0;
  std::uint64_t seed = 0;
  int generation = 0;
  int cycle = 0;
  std::int64_t num_classes = 0;
  Task task = Task::classification;
  Reduction reduction = Reduction::mean;  ///< segmentation: per-pixel scores -> one per image
  double reduction_fraction = 0.1;
  std::string who;  ///< "policy 'entropy'", for messages
  /// Several ranks (docs/cluster.md, "Ranks"): each computes its shard of the batch grid of
  /// `batch_size` (the source's). A policy with `batch_scores` (ALCHAIN_FLAG_BATCH_SCORES) observes
  /// only its rank's batches, and the scores are gathered in grid order and the top-k taken over
  /// all of them; any other policy observes every batch on every rank (each sent by the rank that
  /// computed it). Either way every rank returns what one process returns, bit for bit.
  Communicator* comm = nullptr;
  int batch_size = 0;
  bool batch_scores = false;
};

struct SelectionOutcome {
  Selection selection;
  double score_s = 0;   ///< streaming and observing
  double select_s = 0;  ///< select()
};

/// begin(), observe_labeled() over `labeled` (only with kNeedLabeled), observe() over `pool`,
/// select(); then checks the picks: exactly `budget` distinct IDs from `pool`, and as many
/// scores as score IDs. Any failure is rethrown naming `round.who`. With several ranks every rank
/// calls it with the same arguments (but its own `source`).
SelectionOutcome run_selection_round(Policy& policy, const std::vector<std::int64_t>& labeled,
                                     const std::vector<std::int64_t>& pool, const SelectionRound& round,
                                     const BatchSource& source);

}  // namespace alchain
