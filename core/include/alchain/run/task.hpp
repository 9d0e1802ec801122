/// What differs between classification and segmentation, in one place: the training loss, the
/// predictions, and the metrics (all from one confusion matrix). The trainer, the evaluation and
/// the result files ask a TaskOps; nothing else in the engine tests which task it runs.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "alchain/sdk/params.hpp"  // Task

namespace at { class Tensor; }

namespace alchain {

/// Counts of (true class, predicted class) over samples (classification) or labelled pixels
/// (segmentation). Labels outside [0, K) (the ignore index) are not counted.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(std::int64_t classes);
  /// Adds int64 predictions and labels of one shape.
  void add(const at::Tensor& predicted, const at::Tensor& labels);
  /// Adds another matrix's counts (row-major, K x K values): the parts of a split evaluation.
  void add_counts(const std::int64_t* counts);
  std::int64_t classes() const { return k_; }
  /// Row-major [truth][predicted].
  const std::vector<std::int64_t>& counts() const { return counts_; }
  std::int64_t total() const;
  /// Correct / counted (pixel accuracy for segmentation); 0 when nothing was counted.
  double accuracy() const;
  /// Per class: correct / labelled as the class (NaN for a class never labelled).
  std::vector<double> recall() const;
  /// Per class: intersection / union (NaN for a class neither labelled nor predicted).
  std::vector<double> iou() const;
  /// The mean of iou() over classes that are not NaN (0 when all are).
  double mean_iou() const;

 private:
  std::int64_t k_;
  std::vector<std::int64_t> counts_;
};

class TaskOps {
 public:
  virtual ~TaskOps() = default;
  virtual Task task() const = 0;
  /// The name of the headline metric that summaries, learning curves and tests compare:
  /// "accuracy" (classification) or "miou" (segmentation); a round attribute of that name.
  virtual const char* metric() const = 0;
  /// The headline metric of a confusion matrix.
  virtual double headline(const ConfusionMatrix& m) const = 0;
  /// Throws a message naming both shapes when logits do not fit labels ([B, K] and [B]; or
  /// [B, K, H, W] and [B, H, W]).
  virtual void check(const at::Tensor& logits, const at::Tensor& labels) const = 0;
  /// The training loss with its gradient: cross-entropy averaged over samples (segmentation:
  /// over the batch's labelled pixels, kIgnoreIndex skipped).
  virtual at::Tensor loss(const at::Tensor& logits, const at::Tensor& labels) const = 0;
  /// loss() and the cross-entropy per sample [B] (segmentation: the mean over each image's
  /// labelled pixels, 0 for an image without any), from one pass, for training heads (LLAL).
  virtual std::pair<at::Tensor, at::Tensor> loss_and_per_sample(const at::Tensor& logits,
                                                                const at::Tensor& labels) const = 0;
  /// The predicted class per sample [B] or per pixel [B, H, W].
  at::Tensor predict(const at::Tensor& logits) const;
};

/// The operations of `task` (static objects).
const TaskOps& task_ops(Task task);

/// A tensor's sizes as "[2, 3, 4]", for error messages.
std::string shape_text(const at::Tensor& t);

}  // namespace alchain
