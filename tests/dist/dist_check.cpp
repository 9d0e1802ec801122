// One rank of a multi-process check of the communicator (tests/dist/ranks.sh starts N of them):
// collectives with rank-dependent data, distributed_top_k against the SDK's top_k_by_score on the
// whole pool (tied scores, pools the world size does not divide, empty shards), and selection
// rounds on several ranks against the same round in one process.
// And data-parallel training against one process on the same global batches.
//   alchain_dist_check all|collectives|topk|select|train|die   (world from the environment: run/world.hpp)
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include <torch/torch.h>

#include "alchain/engine/selection_round.hpp"
#include "alchain/run/communicator.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"

namespace {

int failures = 0;

void expect(bool ok, const std::string& what, int rank) {
  if (ok) return;
  ++failures;
  std::cerr << "rank " << rank << ": FAILED: " << what << "\n";
}

void check_collectives(alchain::Communicator& c) {
  const int r = c.rank(), n = c.size();
  const auto all = c.allgather(at::tensor({static_cast<double>(r), 10.0 * r}, at::kDouble));
  bool ok = static_cast<int>(all.size()) == n;
  for (int i = 0; ok && i < n; ++i) ok = all[i][0].item<double>() == i && all[i][1].item<double>() == 10.0 * i;
  expect(ok, "allgather", r);
  at::Tensor b = at::full({3}, r == n - 1 ? 7 : -1, at::kLong);
  c.broadcast(b, n - 1);
  expect(b.eq(7).all().item<bool>(), "broadcast from the last rank", r);
  at::Tensor s = at::full({4}, r + 1.0f, at::kFloat);
  c.allreduce(s, alchain::ReduceOp::sum);
  expect(s.eq(n * (n + 1) / 2.0f).all().item<bool>(), "allreduce sum", r);
  at::Tensor m = at::full({2}, static_cast<std::int64_t>(r), at::kLong);
  c.allreduce(m, alchain::ReduceOp::max);
  expect(m.eq(n - 1).all().item<bool>(), "allreduce max", r);
  // Rank i has i rows (rank 0 none): the rows of every rank in rank order.
  const at::Tensor mine = at::full({r, 2}, static_cast<float>(r), at::kFloat);
  const at::Tensor rows = alchain::allgather_rows(c, mine);
  bool rows_ok = rows.size(0) == n * (n - 1) / 2 && rows.size(1) == 2;
  for (int i = 0, at_row = 0; rows_ok && i < n; at_row += i, ++i)
    rows_ok = i == 0 || rows.narrow(0, at_row, i).eq(static_cast<float>(i)).all().item<bool>();
  expect(rows_ok, "allgather_rows with 0, 1, ... rows", r);
  c.barrier();
}

/// Scores with many ties (13 values) for a pool of `pool` samples; this rank's contiguous shard.
void check_top_k(alchain::Communicator& c, std::int64_t pool, std::uint64_t seed) {
  std::vector<std::int64_t> all_ids, ids;
  std::vector<float> all_scores, scores;
  const std::int64_t lo = pool * c.rank() / c.size(), hi = pool * (c.rank() + 1) / c.size();
  for (std::int64_t i = 0; i < pool; ++i) {
    const std::int64_t id = 3 * i + 11;  // IDs are not positions
    const float s = static_cast<float>(alchain::mix_seed(seed ^ static_cast<std::uint64_t>(id)) % 13) / 4.0f;
    all_ids.push_back(id);
    all_scores.push_back(s);
    if (i >= lo && i < hi) {
      ids.push_back(id);
      scores.push_back(s);
    }
  }
  for (const std::int64_t k : {std::int64_t{1}, std::int64_t{5}, pool / 3, pool, pool + 10}) {
    const auto want = alchain::top_k_by_score(all_ids, all_scores, k, seed);
    const auto got = alchain::distributed_top_k(c, ids, scores, k, seed);
    expect(got == want, "top " + std::to_string(k) + " of " + std::to_string(pool) + " (shard " + std::to_string(lo) +
                            ".." + std::to_string(hi) + ")", c.rank());
  }
}


/// Outputs that depend on the sample alone, with many tied rows (7 distinct logit rows).
alchain::PoolBatch synthetic_batch(const std::vector<std::int64_t>& ids, std::int64_t lo, std::int64_t hi) {
  alchain::PoolBatch b;
  b.ids = at::tensor(std::vector<std::int64_t>(ids.begin() + lo, ids.begin() + hi), at::kLong);
  b.logits = at::empty({hi - lo, 4}, at::kFloat);
  b.embedding = at::empty({3, hi - lo}, at::kFloat).t();  // not contiguous: its layout must travel
  for (std::int64_t i = lo; i < hi; ++i)
    for (int k = 0; k < 4; ++k) {
      b.logits[i - lo][k] = static_cast<float>((ids[i] * (k + 1)) % 7) / 3.0f;
      if (k < 3) b.embedding[i - lo][k] = static_cast<float>(alchain::mix_seed(ids[i] * 3 + k) % 1000) / 100.0f;
    }
  return b;
}

/// Scores by the spread of the logits (ties: few distinct rows). Counts the batches it observed.
class SpreadPolicy : public alchain::ScorePolicy {
 public:
  std::uint32_t needs() const override { return alchain::kNeedLogits; }
  int batches = 0;

 protected:
  at::Tensor score(const alchain::PoolBatch& b) override {
    ++batches;
    return std::get<0>(b.logits.max(1)) - std::get<0>(b.logits.min(1));
  }
};

/// Claims batch scores but picks the lowest: refused on ranks.
class LowestPolicy : public SpreadPolicy {
 public:
  alchain::Selection select() override {
    alchain::Selection s = SpreadPolicy::select();
    std::vector<float> negated;
    for (float v : s.scores) negated.push_back(-v);
    s.picked = alchain::top_k_by_score(s.score_ids, negated, static_cast<std::int64_t>(s.picked.size()), 1);
    return s;
  }
};

/// Needs the whole pool: farthest-first from the labeled set on the embedding, as core-set does.
/// Records the order of the IDs it observed.
class FarthestPolicy : public alchain::Policy {
 public:
  std::uint32_t needs() const override { return alchain::kNeedEmbedding | alchain::kNeedLabeled; }
  void begin(const alchain::SelectionContext& ctx) override {
    ctx_ = ctx;
    seen.clear();
    rows_.clear();
    labeled_.clear();
  }
  void observe_labeled(const alchain::PoolBatch& b) override { labeled_.push_back(b.embedding); }
  void observe(const alchain::PoolBatch& b) override {
    if (b.embedding.is_contiguous() && b.embedding.size(0) > 1) ++contiguous;
    rows_.push_back(b.embedding);
    for (std::int64_t i = 0; i < b.ids.size(0); ++i) seen.push_back(b.ids[i].item<std::int64_t>());
  }
  alchain::Selection select() override {
    const at::Tensor pool = at::cat(rows_), centers = at::cat(labeled_);
    at::Tensor d = at::cdist(pool, centers).amin(1);
    alchain::Selection s;
    for (std::int64_t k = 0; k < ctx_.budget; ++k) {
      const std::int64_t i = d.argmax().item<std::int64_t>();
      s.picked.push_back(seen[static_cast<std::size_t>(i)]);
      d = at::minimum(d, at::cdist(pool, pool.narrow(0, i, 1)).squeeze(1));
    }
    return s;
  }
  std::vector<std::int64_t> seen;
  int contiguous = 0;  ///< batches whose embedding lost the source's layout

 private:
  alchain::SelectionContext ctx_;
  std::vector<at::Tensor> rows_, labeled_;
};

/// A selection round on every rank equals the round in one process: picks, scores in pool order,
/// and (batch scores) each rank observed only its batches; pools the ranks do not divide.
void check_select(alchain::Communicator& c, std::int64_t pool_size, int batch, std::int64_t budget) {
  std::vector<std::int64_t> labeled, pool;
  for (std::int64_t i = 0; i < 20; ++i) labeled.push_back(5 * i);
  for (std::int64_t id = 0; static_cast<std::int64_t>(pool.size()) < pool_size; ++id)
    if (id % 5 != 0 || id >= 100) pool.push_back(id);
  int computed = 0;
  const alchain::BatchSource source = [&](const std::vector<std::int64_t>& ids, std::uint32_t, const alchain::Shard& sh,
                                          const std::function<void(const alchain::PoolBatch&)>& sink) {
    const auto n = static_cast<std::int64_t>(ids.size());
    for (std::int64_t lo = 0; lo < n; lo += batch)
      if ((lo / batch) % sh.size == sh.rank) {
        ++computed;
        sink(synthetic_batch(ids, lo, std::min(n, lo + batch)));
      }
  };
  alchain::SelectionRound round;
  round.budget = budget;
  round.seed = 99 + static_cast<std::uint64_t>(pool_size);
  round.num_classes = 4;
  round.who = "policy 'test'";
  round.batch_size = batch;
  const std::string what = " (pool " + std::to_string(pool_size) + ", batch " + std::to_string(batch) + ")";
  const std::int64_t batches = (pool_size + batch - 1) / batch;
  const std::int64_t own = batches / c.size() + (c.rank() < batches % c.size() ? 1 : 0);
  {
    SpreadPolicy one, many;
    const auto want = alchain::run_selection_round(one, labeled, pool, round, source).selection;
    round.comm = &c;
    round.batch_scores = true;
    computed = 0;
    const auto got = alchain::run_selection_round(many, labeled, pool, round, source).selection;
    expect(got.picked == want.picked, "batch-score picks" + what, c.rank());
    expect(got.score_ids == want.score_ids && got.scores == want.scores, "batch scores in pool order" + what, c.rank());
    expect(many.batches == own && computed == own, "each rank scores its own batches only" + what, c.rank());
    LowestPolicy liar;
    std::string refused;
    try {
      alchain::run_selection_round(liar, labeled, pool, round, source);
    } catch (const std::exception& e) {
      refused = e.what();
    }
    // Refused on every rank (those whose picks happen to be right too), when any rank can tell.
    const bool refusable = c.size() > 1 && pool_size > budget;
    expect(!refusable || refused.find("declares ALCHAIN_FLAG_BATCH_SCORES but") != std::string::npos,
           "a policy breaking ALCHAIN_FLAG_BATCH_SCORES is refused" + what + ": '" + refused + "'", c.rank());
  }
  {
    FarthestPolicy one, many;
    round.comm = nullptr;
    const auto want = alchain::run_selection_round(one, labeled, pool, round, source).selection;
    round.comm = &c;
    round.batch_scores = false;
    computed = 0;
    const auto got = alchain::run_selection_round(many, labeled, pool, round, source).selection;
    expect(got.picked == want.picked, "whole-pool picks" + what, c.rank());
    expect(many.seen == pool, "every rank observed the whole pool in order" + what, c.rank());
    expect(many.contiguous == 0, "batches sent between ranks keep their layout" + what, c.rank());
    const std::int64_t labeled_own = (20 + batch - 1) / batch / c.size() + (c.rank() < (20 + batch - 1) / batch % c.size());
    expect(computed == own + labeled_own, "each rank computed its own batches only" + what, c.rank());
  }
}


/// 16 features as a 1x4x4 image: the one-hot of the class plus noise, from the sample ID.
class TinyData : public alchain::Dataset {
 public:
  alchain::DatasetInfo info() const override {
    alchain::DatasetInfo i;
    for (int c = 0; c < 10; ++c) i.class_names.push_back(std::to_string(c));
    i.input_shape = {1, 4, 4};
    return i;
  }
  std::int64_t size(alchain::Split) const override { return 1000; }
  at::Tensor inputs(alchain::Split, const at::Tensor& ids) override {
    at::Tensor x = at::empty({ids.size(0), 16}, at::kFloat);
    for (std::int64_t i = 0; i < ids.size(0); ++i) {
      const std::int64_t id = ids[i].item<std::int64_t>();
      for (int f = 0; f < 16; ++f)
        x[i][f] = (f == id % 10 ? 1.0f : 0.0f) + static_cast<float>(alchain::mix_seed(id * 16 + f) % 1000) / 500.0f - 1.0f;
    }
    return x.view({ids.size(0), 1, 4, 4});
  }
  at::Tensor labels(alchain::Split, const at::Tensor& ids) override { return ids.remainder(10); }
};

/// Two linear layers, no batch norm, no dropout: data-parallel gradients equal one process's.
class TinyNet : public alchain::Model {
 public:
  TinyNet() {
    fc1 = register_module("fc1", torch::nn::Linear(16, 32));
    fc2 = register_module("fc2", torch::nn::Linear(32, 10));
  }
  alchain::ModelOutput forward(const at::Tensor& x) override {
    alchain::ModelOutput out;
    out.embedding = torch::relu(fc1->forward(x.flatten(1)));
    out.logits = fc2->forward(out.embedding);
    return out;
  }
  std::int64_t embedding_dim() const override { return 32; }
  std::int64_t macs(const std::vector<std::int64_t>&) const override { return 16 * 32 + 32 * 10; }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

/// Largest |a - b| / max(|a|, 1e-3) over the two models' parameters.
double max_relative_difference(TinyNet& a, TinyNet& b) {
  double worst = 0;
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    worst = std::max(worst, ((pa[i] - pb[i]).abs() / pa[i].abs().clamp_min(1e-3)).max().item<double>());
  return worst;
}

/// Training on every rank's slice of each batch (summed gradients) ends where one process ends,
/// within float reduction error: after one step and after three epochs with augmentation.
void check_train(alchain::Communicator& c, std::int64_t samples, int epochs, double tolerance) {
  TinyData data;
  std::vector<std::int64_t> ids;
  for (std::int64_t i = 0; i < samples; ++i) ids.push_back((i * 37) % 1000);
  alchain::TrainingOptions o;
  o.epochs = epochs;
  o.batch_size = 32;
  o.lr = 0.1;
  o.augment_hflip = true;
  o.augment_crop_padding = 1;
  const alchain::Progress quiet(true);
  torch::manual_seed(5);
  TinyNet one;
  torch::manual_seed(5 + static_cast<std::uint64_t>(c.rank()));  // rank 0's weights must reach the others
  TinyNet many;
  alchain::train_model(one, data, ids, o, 9, quiet);
  alchain::train_model(many, data, ids, o, 9, quiet, nullptr, &c);
  const double d = max_relative_difference(one, many);
  expect(d <= tolerance, "data-parallel training of " + std::to_string(samples) + " samples, " + std::to_string(epochs) +
                             " epochs: relative difference " + std::to_string(d) + " > " + std::to_string(tolerance),
         c.rank());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "all";
  try {
    at::set_num_threads(1);
    const alchain::World w = alchain::read_world(alchain::process_environment());
    auto comm = alchain::connect(w);
    if (mode == "die") {
      comm->barrier();
      if (comm->rank() == comm->size() - 1) _exit(3);  // a rank lost mid-run: no goodbye
      comm->barrier();
      std::cerr << "rank " << comm->rank() << ": the barrier passed without the dead rank\n";
      return 1;
    }
    if (mode == "all" || mode == "collectives") check_collectives(*comm);
    if (mode == "all" || mode == "topk") {
      check_top_k(*comm, 1007, 42);
      check_top_k(*comm, 5, 7);  // with 8 ranks, three have no sample
      check_top_k(*comm, 0, 1);
    }
    if (mode == "all" || mode == "train") {
      check_train(*comm, 32, 1, 1e-5);  // one step of one batch of 32
      check_train(*comm, 100, 3, 1e-4);  // batches of 32, 32, 32 and 4 (the last on 2 ranks at most)
    }
    if (mode == "all" || mode == "select") {
      check_select(*comm, 1000, 64, 37);
      check_select(*comm, 130, 32, 10);  // 5 batches: with 8 ranks three compute none
      check_select(*comm, 3, 8, 3);      // one batch, the whole pool picked
    }
    std::cout << "rank " << comm->rank() << "/" << comm->size() << " (" << w.launcher << "): "
              << (failures ? "FAILED" : "ok") << "\n";
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "alchain_dist_check: " << e.what() << "\n";
    return 2;
  }
}
