/// Training, evaluation and pool scoring of one model on one dataset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"

namespace at { class Tensor; }

namespace alchain {

class Communicator;
class Dataset;
class Model;
class TrainingHead;
struct PoolBatch;

/// Progress lines on stderr for long work; silent when quiet.
class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet) {}
  bool quiet() const { return quiet_; }
  void line(const std::string& s) const;

 private:
  bool quiet_;
};

struct TrainResult {
  double seconds = 0;
  double last_epoch_loss = 0;
  int epochs = 0;            ///< epochs run (more than asked when min_steps needed them)
  std::int64_t steps = 0;    ///< optimizer steps
};

/// Trains `model` from its current weights with SGD (momentum; weight decay on weights of
/// rank >= 2 only) on the train-split samples `ids`, whose labels it asks the dataset (the
/// oracle) for, batch by batch; the dataset's task (run/task.hpp) gives the loss. Data order
/// comes from `seed`.
/// A policy's `head`, if any, is reset for this model and trained jointly with it. `opt.min_steps`
/// raises the epoch count; `opt.augment_*` augment each batch with randomness from `seed`.
///
/// Data-parallel with `comm` of several ranks (every rank calls it alike; docs/cluster.md,
/// "Data-parallel training"): rank 0's initial weights are broadcast; each rank computes its
/// contiguous slice of every global batch (the same batches, order and augmentation draws as one
/// process; a batch too small to give every rank 2 samples goes to fewer ranks); the loss of each
/// slice is weighted by its share of the batch's labelled samples (pixels), and the gradients are
/// summed over the ranks in one flat allreduce per step, so the step follows the gradient of the
/// whole batch's mean loss. Batch norm normalises each slice with its own statistics (PyTorch
/// DDP without SyncBatchNorm), and rank 0's running statistics are broadcast at the end.
TrainResult train_model(Model& model, Dataset& data, const std::vector<std::int64_t>& ids,
                        const TrainingOptions& opt, std::uint64_t seed, const Progress& progress,
                        TrainingHead* head = nullptr, Communicator* comm = nullptr);

struct EvalResult {
  std::string metric = "accuracy";  ///< the task's headline metric: "accuracy" or "miou"
  double value = 0;                 ///< its value
  double accuracy = 0;              ///< of samples, or of labelled pixels (segmentation)
  std::vector<double> per_class;    ///< recall per class; NaN for a class absent from the test split
  double miou = 0;                  ///< mean IoU over the classes present (segmentation's headline)
  std::vector<double> per_class_iou;  ///< NaN for a class neither labelled nor predicted
  std::vector<std::int64_t> confusion;  ///< [truth][predicted], row-major, K x K
  double seconds = 0;
};

/// The task's metrics on the whole test split. With `comm` of several ranks (every rank calls it
/// alike), rank r evaluates batches r, r + N, ... and the confusion counts are summed: the same
/// integers, so the same metrics, as one process.
EvalResult evaluate_model(Model& model, Dataset& data, std::int64_t num_classes, int batch_size,
                          Communicator* comm = nullptr);

/// What stream_outputs() computes for each batch.
struct StreamRequest {
  std::uint32_t needs = 0;        ///< Need bits
  int mc_passes = 0;              ///< kNeedMcLogits: passes with dropout active
  std::uint64_t seed = 0;         ///< kNeedMcLogits: dropout masks derive from it
  std::vector<Model*> committee;  ///< kNeedCommittee: earlier members (the streamed model comes last)
  bool labels_allowed = false;    ///< kNeedLabels: only for reference generations
  /// Several ranks: this rank computes batch b (of the grid of `batch_size` over `ids`, the same
  /// for every world size) iff b mod shard_size == shard_rank, and skips the others.
  int shard_rank = 0, shard_size = 1;
};

/// Runs the model in inference mode over the train-split samples `ids`, batch by batch, and hands
/// each batch's outputs to `sink`, computing only what `request` asks for (and only this rank's
/// batches: StreamRequest::shard_rank). A batch's outputs depend on the batch alone: its MC
/// dropout masks derive from (seed, its offset in `ids`).
void stream_outputs(Model& model, Dataset& data, const std::vector<std::int64_t>& ids, int batch_size,
                    const StreamRequest& request, const std::function<void(const PoolBatch&)>& sink);


}  // namespace alchain
