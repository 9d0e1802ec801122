// A selection round and the checks on what a policy returns.
#include "alchain/engine/selection_round.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <ATen/ATen.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "alchain/run/communicator.hpp"
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


/// Root's bytes on every rank.
std::vector<char> broadcast_bytes(Communicator& comm, std::vector<char> bytes, int root) {
  at::Tensor len = at::full({1}, static_cast<std::int64_t>(bytes.size()), at::kLong);
  comm.broadcast(len, root);
  const std::int64_t n = len.item<std::int64_t>();
  at::Tensor buf = comm.rank() == root ? at::from_blob(bytes.data(), {n}, at::kByte).clone() : at::empty({n}, at::kByte);
  comm.broadcast(buf, root);
  if (comm.rank() != root) bytes.assign(reinterpret_cast<const char*>(buf.data_ptr<std::uint8_t>()),
                                        reinterpret_cast<const char*>(buf.data_ptr<std::uint8_t>()) + n);
  return bytes;
}

const char* const kTapPrefix = "tap:";

std::vector<char> pack(const PoolBatch& b) {
  c10::Dict<std::string, at::Tensor> d;
  auto put = [&](const std::string& name, const at::Tensor& t) {
    if (t.defined()) d.insert(name, t);  // strides kept: a channels-last tap arrives channels-last
  };
  put("ids", b.ids);
  put("logits", b.logits);
  put("embedding", b.embedding);
  put("mc_logits", b.mc_logits);
  put("committee_logits", b.committee_logits);
  put("labels", b.labels);
  for (const auto& [name, t] : b.taps) put(kTapPrefix + name, t);
  return torch::jit::pickle_save(c10::IValue(d));
}

PoolBatch unpack(const std::vector<char>& bytes) {
  PoolBatch b;
  const c10::IValue v = torch::jit::pickle_load(bytes);
  for (const auto& entry : v.toGenericDict()) {
    const std::string& name = entry.key().toStringRef();
    const at::Tensor t = entry.value().toTensor();
    if (name == "ids") b.ids = t;
    else if (name == "logits") b.logits = t;
    else if (name == "embedding") b.embedding = t;
    else if (name == "mc_logits") b.mc_logits = t;
    else if (name == "committee_logits") b.committee_logits = t;
    else if (name == "labels") b.labels = t;
    else if (name.rfind(kTapPrefix, 0) == 0) b.taps[name.substr(std::string(kTapPrefix).size())] = t;
  }
  return b;
}

std::int64_t grid_batches(std::size_t n, int batch_size) {
  return (static_cast<std::int64_t>(n) + batch_size - 1) / batch_size;
}

/// Every batch of the grid over `ids` delivered on every rank, in grid order: each rank computes
/// its own batches and sends each to the others when its turn comes.
void stream_to_every_rank(const BatchSource& source, const std::vector<std::int64_t>& ids, std::uint32_t needs,
                          Communicator& comm, int batch_size, const std::function<void(const PoolBatch&)>& deliver) {
  const int rank = comm.rank(), size = comm.size();
  const std::int64_t batches = grid_batches(ids.size(), batch_size);
  std::int64_t next = 0, own = 0;
  auto relay = [&](const PoolBatch* mine) {  // grid batch `next`, from the rank that computed it
    const int owner = static_cast<int>(next % size);
    if (owner == rank && !mine) throw std::logic_error("the batch source skipped batch " + std::to_string(next));
    std::vector<char> bytes = broadcast_bytes(comm, owner == rank ? pack(*mine) : std::vector<char>{}, owner);
    if (owner == rank) deliver(*mine);
    else deliver(unpack(bytes));
    ++next;
  };
  source(ids, needs, Shard{rank, size}, [&](const PoolBatch& b) {
    const std::int64_t global = rank + own++ * size;
    while (next < global) relay(nullptr);
    relay(&b);
  });
  while (next < batches) relay(nullptr);
}

/// How many of the `n` samples rank r scores: the sizes of its batches of the grid.
std::int64_t shard_samples(std::int64_t n, int batch_size, int r, int size) {
  std::int64_t count = 0;
  for (std::int64_t b = r; b * batch_size < n; b += size) count += std::min<std::int64_t>(batch_size, n - b * batch_size);
  return count;
}

/// A batch-scores policy's selection on its shard becomes the whole pool's: scores gathered and put
/// in grid order (each rank's are in the order it observed them), top-k over all of them.
Selection merge_shard_scores(Communicator& comm, Selection local, std::int64_t pool, int batch_size,
                             const SelectionContext& ctx) {
  const int size = comm.size();
  const std::int64_t mine = shard_samples(pool, batch_size, comm.rank(), size);
  std::string broken;
  if (static_cast<std::int64_t>(local.score_ids.size()) != mine || local.scores.size() != local.score_ids.size())
    broken = "returned " + std::to_string(local.scores.size()) + " scores for the " + std::to_string(mine) +
             " samples of its rank's batches";
  else if (local.picked != top_k_by_score(local.score_ids, local.scores, ctx.budget, ctx.seed))
    broken = "its picks are not the top-k of its scores";
  // Every rank stops, or none: a rank that went on alone would wait in the gather below.
  at::Tensor last_broken = at::full({1}, broken.empty() ? std::int64_t{0} : comm.rank() + 1, at::kLong);
  comm.allreduce(last_broken, ReduceOp::max);
  if (const std::int64_t code = last_broken.item<std::int64_t>(); code > 0)
    throw std::runtime_error("declares ALCHAIN_FLAG_BATCH_SCORES but " +
                             (broken.empty() ? "on rank " + std::to_string(code - 1) + " it broke that promise" : broken));
  const at::Tensor ids = allgather_rows(comm, at::from_blob(local.score_ids.data(), {mine}, at::kLong).clone());
  const at::Tensor scores = allgather_rows(comm, at::from_blob(local.scores.data(), {mine}, at::kFloat).clone());
  std::vector<std::int64_t> start(static_cast<std::size_t>(size) + 1, 0);
  for (int r = 0; r < size; ++r) start[r + 1] = start[r] + shard_samples(pool, batch_size, r, size);
  Selection all;
  all.score_ids.reserve(static_cast<std::size_t>(pool));
  all.scores.reserve(static_cast<std::size_t>(pool));
  const std::int64_t* ip = ids.data_ptr<std::int64_t>();
  const float* sp = scores.data_ptr<float>();
  for (std::int64_t b = 0; b * batch_size < pool; ++b) {
    const std::int64_t from = start[b % size] + (b / size) * batch_size;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(batch_size, pool - b * batch_size); ++i) {
      all.score_ids.push_back(ip[from + i]);
      all.scores.push_back(sp[from + i]);
    }
  }
  all.picked = top_k_by_score(all.score_ids, all.scores, ctx.budget, ctx.seed);
  return all;
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
    Communicator* comm = round.comm && round.comm->size() > 1 ? round.comm : nullptr;
    if (comm && round.batch_size < 1) throw std::invalid_argument("several ranks need the source's batch size");
    // One process: every batch here. Ranks: this rank's batches only, or every batch, sent.
    auto stream = [&](const std::vector<std::int64_t>& ids, std::uint32_t needs, bool shard_only,
                      const std::function<void(const PoolBatch&)>& sink) {
      if (!comm) source(ids, needs, Shard{}, sink);
      else if (shard_only) source(ids, needs, Shard{comm->rank(), comm->size()}, sink);
      else stream_to_every_rank(source, ids, needs, *comm, round.batch_size, sink);
    };
    const bool sharded = comm && round.batch_scores;
    policy.begin(ctx);
    const std::uint32_t needs = policy.needs();
    if (needs & kNeedLabeled)
      stream(labeled, needs & (kNeedLogits | kNeedEmbedding), false, [&](const PoolBatch& b) { policy.observe_labeled(b); });
    stream(pool, needs, sharded, [&](const PoolBatch& b) { policy.observe(b); });
    out.score_s = monotonic_seconds() - t0;
    const double t1 = monotonic_seconds();
    out.selection = policy.select();
    if (sharded) out.selection = merge_shard_scores(*comm, std::move(out.selection), ctx.pool_size, round.batch_size, ctx);
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
