/// The selection policy interface: streams the surrogate's outputs over the pool, returns picks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/reduction.hpp"
#include "alchain/sdk/rng.hpp"

namespace alchain {

/// What a policy asks the host to compute with the surrogate. The host runs the surrogate only
/// when something is needed, and only computes what is asked for.
enum Need : std::uint32_t {
  kNeedNothing = 0,
  kNeedLogits = 1u << 0,    ///< PoolBatch::logits
  kNeedEmbedding = 1u << 1, ///< PoolBatch::embedding
  kNeedLabeled = 1u << 2,   ///< also stream the labeled set through observe_labeled()
  kNeedMcLogits = 1u << 3,  ///< PoolBatch::mc_logits: mc_passes() stochastic passes (Model::set_stochastic)
  kNeedCommittee = 1u << 4, ///< PoolBatch::committee_logits: the chain's earlier generations + the surrogate
  kNeedLabels = 1u << 5,    ///< PoolBatch::labels: true labels (reference policies only, ALCHAIN_FLAG_USES_LABELS)
  kNeedTaps = 1u << 6,      ///< PoolBatch::taps: the model's named intermediate features
};

/// One selection round as the host sees it.
struct SelectionContext {
  std::int64_t budget = 0;     ///< how many IDs select() must return (already <= pool_size)
  std::int64_t pool_size = 0;  ///< unlabeled samples that observe() will see, in total
  std::int64_t num_classes = 0;
  std::uint64_t seed = 0;      ///< derived from (repeat seed, chain or cell, generation, cycle); also breaks top-k ties
  int generation = 0;
  int cycle = 0;
  const std::vector<std::int64_t>* labeled = nullptr; ///< IDs of the labeled set (never labels)
  /// Since 3.0. Segmentation: outputs are per pixel, and per-pixel scores become one score per
  /// image by `reduction` (the pipeline's `reduction` and `reduction_fraction` keys; ScorePolicy
  /// applies it, other policies may too with reduce_pixel_scores()).
  Task task = Task::classification;
  Reduction reduction = Reduction::mean;
  double reduction_fraction = 0.1;  ///< top_fraction_mean: the share of pixels averaged
};

/// A batch of surrogate outputs. Tensors are on the CPU; undefined unless needed. For
/// segmentation every K below is followed by the pixels' H, W ([B, K, H, W], ...), and labels
/// are [B, H, W].
struct PoolBatch {
  at::Tensor ids;       ///< int64 [B] sample IDs of the train split
  at::Tensor logits;    ///< float32 [B, K]
  at::Tensor embedding; ///< float32 [B, D] (segmentation: pooled features, one row per image)
  at::Tensor mc_logits;        ///< float32 [T, B, K], T = Policy::mc_passes()
  at::Tensor committee_logits; ///< float32 [M, B, K]: generations 0..g-1 (their last model), then g
  at::Tensor labels;           ///< int64 [B]
  std::map<std::string, at::Tensor> taps;  ///< kNeedTaps: Model::tap_names() -> features
};

/// What select() returns.
struct Selection {
  std::vector<std::int64_t> picked;     ///< exactly `budget` distinct unlabeled IDs
  std::vector<std::int64_t> score_ids;  ///< score-based policies: every pool ID ...
  std::vector<float> scores;            ///< ... with its score (higher = more informative)
};

struct ModelOutput;

/// A module a policy trains jointly with the surrogate (LLAL's loss predictor, for one). For every
/// training round of the policy's generation the host calls reset() with the fresh model's tap
/// shapes, adds parameters() to the optimizer (same SGD settings as the model), and adds loss()
/// to the model's loss on every batch.
class TrainingHead {
 public:
  virtual ~TrainingHead() = default;
  /// Required: the taps it reads (a subset of Model::tap_names()).
  virtual std::vector<std::string> taps() const = 0;
  /// Required: build fresh parameters for taps of these shapes (without the batch dimension).
  virtual void reset(const std::map<std::string, std::vector<std::int64_t>>& tap_shapes, int epochs) = 0;
  /// Required: the parameters to optimise.
  virtual std::vector<at::Tensor> parameters() = 0;
  /// Required: switch between training and inference behaviour.
  virtual void train(bool on) = 0;
  /// Required: the extra loss for one batch. `per_sample_loss` is the model's cross-entropy per
  /// sample (detached; segmentation: the mean over the image's labelled pixels); `epoch` counts
  /// from 0.
  virtual at::Tensor loss(const ModelOutput& out, const at::Tensor& per_sample_loss, int epoch) = 0;
};

/// A selection policy. The host calls, per round: begin(), observe_labeled() for each labeled
/// batch (only with kNeedLabeled), observe() for each pool batch, then select(). The pool is
/// streamed in batches: it is never materialised at once.
class Policy {
 public:
  virtual ~Policy() = default;
  /// Required: a bit set of Need.
  virtual std::uint32_t needs() const = 0;
  /// Required: start a round.
  virtual void begin(const SelectionContext& ctx) = 0;
  /// Optional: one batch of the labeled set's outputs (labels are not given).
  virtual void observe_labeled(const PoolBatch& /*batch*/) {}
  /// Required: one batch of the unlabeled pool.
  virtual void observe(const PoolBatch& batch) = 0;
  /// Required: the picks of this round.
  virtual Selection select() = 0;
  /// Optional: stochastic forward passes wanted with kNeedMcLogits.
  virtual int mc_passes() const { return 0; }
  /// Optional: a head to train with the surrogate of this policy's generation.
  virtual std::shared_ptr<TrainingHead> training_head() { return nullptr; }
};

/// Top-`k` IDs by score, highest first. Ties are broken by a random key drawn from (`tie_seed`,
/// sample ID), so the result does not depend on batch order or sort stability, and a run of equal
/// scores (common with variation ratios or committee votes) is not resolved towards low IDs,
/// which on a class-sorted dataset would be a class bias. Pass the round's SelectionContext::seed.
inline std::vector<std::int64_t> top_k_by_score(const std::vector<std::int64_t>& ids,
                                                const std::vector<float>& scores,
                                                std::int64_t k, std::uint64_t tie_seed) {
  std::vector<std::size_t> order(ids.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto n = static_cast<std::size_t>(std::max<std::int64_t>(0, std::min<std::int64_t>(k, ids.size())));
  const std::uint64_t salt = mix_seed(tie_seed ^ 0x746965627265616bULL);
  auto tie_key = [salt](std::int64_t id) { return mix_seed(salt ^ static_cast<std::uint64_t>(id)); };
  auto better = [&](std::size_t a, std::size_t b) {
    if (scores[a] != scores[b]) return scores[a] > scores[b];
    const std::uint64_t ka = tie_key(ids[a]), kb = tie_key(ids[b]);
    if (ka != kb) return ka < kb;
    return ids[a] < ids[b];
  };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), better);
  std::vector<std::int64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = ids[order[i]];
  return out;
}

/// Base for policies that give every pool sample one score and pick the top `budget`.
/// A subclass writes needs() and score(); everything else is done here. A score() of [B, H, W]
/// (per pixel, segmentation) is reduced to [B] by the round's SelectionContext::reduction.
class ScorePolicy : public Policy {
 public:
  void begin(const SelectionContext& ctx) override {
    ctx_ = ctx;
    ids_.clear();
    scores_.clear();
    ids_.reserve(static_cast<std::size_t>(ctx.pool_size));
    scores_.reserve(static_cast<std::size_t>(ctx.pool_size));
  }
  void observe(const PoolBatch& batch) override {
    at::Tensor s = score(batch);
    if (s.dim() > 1 && ctx_.task == Task::segmentation)
      s = reduce_pixel_scores(s, ctx_.reduction, ctx_.reduction_fraction);
    s = s.to(at::kFloat).contiguous();
    if (s.dim() != 1 || s.size(0) != batch.ids.size(0))
      throw std::runtime_error("score() must return one value per sample of the batch");
    const float* sp = s.data_ptr<float>();
    const at::Tensor ids = batch.ids.contiguous();
    const std::int64_t* ip = ids.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < s.size(0); ++i) {
      if (std::isnan(sp[i]))
        throw std::runtime_error("score of sample " + std::to_string(ip[i]) + " is NaN");
      ids_.push_back(ip[i]);
      scores_.push_back(sp[i]);
    }
  }
  Selection select() override {
    Selection sel;
    sel.picked = top_k_by_score(ids_, scores_, ctx_.budget, ctx_.seed);
    sel.score_ids = std::move(ids_);
    sel.scores = std::move(scores_);
    ids_.clear();
    scores_.clear();
    return sel;
  }

 protected:
  /// Required: float [B] scores for the batch, higher = more informative.
  virtual at::Tensor score(const PoolBatch& batch) = 0;
  const SelectionContext& context() const { return ctx_; }

 private:
  SelectionContext ctx_;
  std::vector<std::int64_t> ids_;
  std::vector<float> scores_;
};

}  // namespace alchain
