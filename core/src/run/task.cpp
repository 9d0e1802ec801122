// Classification and segmentation: losses, predictions, and metrics from one confusion matrix.
#include "alchain/run/task.hpp"

#include <cmath>
#include <stdexcept>

#include <torch/torch.h>

#include "alchain/sdk/dataset.hpp"
#include "alchain/util/format.hpp"

namespace alchain {

std::string shape_text(const at::Tensor& t) { return shape_list(t.sizes().vec()); }

namespace {


namespace F = torch::nn::functional;

class Classification final : public TaskOps {
 public:
  Task task() const override { return Task::classification; }
  const char* metric() const override { return "accuracy"; }
  double headline(const ConfusionMatrix& m) const override { return m.accuracy(); }
  void check(const at::Tensor& logits, const at::Tensor& labels) const override {
    if (logits.dim() != 2 || labels.dim() != 1 || logits.size(0) != labels.size(0))
      throw std::runtime_error("classification: the model gives logits " + shape_text(logits) + " for labels " +
                               shape_text(labels) + "; expected [B, K] for [B]");
  }
  at::Tensor loss(const at::Tensor& logits, const at::Tensor& labels) const override {
    return F::cross_entropy(logits, labels);
  }
  std::pair<at::Tensor, at::Tensor> loss_and_per_sample(const at::Tensor& logits,
                                                        const at::Tensor& labels) const override {
    const at::Tensor per = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kNone));
    return {per.mean(), per};
  }
};

class Segmentation final : public TaskOps {
 public:
  Task task() const override { return Task::segmentation; }
  const char* metric() const override { return "miou"; }
  double headline(const ConfusionMatrix& m) const override { return m.mean_iou(); }
  void check(const at::Tensor& logits, const at::Tensor& labels) const override {
    if (logits.dim() != 4 || labels.dim() != 3 || logits.size(0) != labels.size(0) ||
        logits.size(2) != labels.size(1) || logits.size(3) != labels.size(2))
      throw std::runtime_error("segmentation: the model gives logits " + shape_text(logits) + " for labels " +
                               shape_text(labels) + "; expected [B, K, H, W] for [B, H, W]");
  }
  at::Tensor loss(const at::Tensor& logits, const at::Tensor& labels) const override {
    // Mean over labelled pixels; a batch without any gives 0 (with a gradient of zeros).
    const at::Tensor pixel = pixel_loss(logits, labels);
    const at::Tensor count = labels.ne(kIgnoreIndex).sum().clamp_min(1);
    return pixel.sum() / count;
  }
  std::pair<at::Tensor, at::Tensor> loss_and_per_sample(const at::Tensor& logits,
                                                        const at::Tensor& labels) const override {
    const at::Tensor per_image = pixel_loss(logits, labels).flatten(1).sum(1);
    const at::Tensor count = labels.ne(kIgnoreIndex).flatten(1).sum(1);
    return {per_image.sum() / count.sum().clamp_min(1), per_image / count.clamp_min(1)};
  }

 private:
  static at::Tensor pixel_loss(const at::Tensor& logits, const at::Tensor& labels) {
    return F::cross_entropy(logits, labels,
                            F::CrossEntropyFuncOptions().reduction(torch::kNone).ignore_index(kIgnoreIndex));
  }
};

}  // namespace

ConfusionMatrix::ConfusionMatrix(std::int64_t classes)
    : k_(classes), counts_(static_cast<std::size_t>(classes * classes), 0) {
  if (classes < 1) throw std::invalid_argument("a confusion matrix needs at least one class");
}

void ConfusionMatrix::add(const at::Tensor& predicted, const at::Tensor& labels) {
  if (predicted.sizes() != labels.sizes())
    throw std::invalid_argument("confusion matrix: predictions " + shape_text(predicted) + " and labels " + shape_text(labels) +
                                " differ in shape");
  const at::Tensor y = labels.reshape({-1}).to(torch::kInt64);
  const at::Tensor p = predicted.reshape({-1}).to(torch::kInt64);
  const at::Tensor keep = y.ge(0) & y.lt(k_) & p.ge(0) & p.lt(k_);
  const at::Tensor cells = (y.masked_select(keep) * k_ + p.masked_select(keep)).contiguous();
  const at::Tensor binned = torch::bincount(cells, {}, k_ * k_).contiguous();
  const auto* b = binned.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < k_ * k_; ++i) counts_[static_cast<std::size_t>(i)] += b[i];
}

void ConfusionMatrix::add_counts(const std::int64_t* counts) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += counts[i];
}

std::int64_t ConfusionMatrix::total() const {
  std::int64_t t = 0;
  for (std::int64_t c : counts_) t += c;
  return t;
}

double ConfusionMatrix::accuracy() const {
  std::int64_t correct = 0;
  for (std::int64_t k = 0; k < k_; ++k) correct += counts_[static_cast<std::size_t>(k * k_ + k)];
  const std::int64_t t = total();
  return t ? static_cast<double>(correct) / static_cast<double>(t) : 0.0;
}

std::vector<double> ConfusionMatrix::recall() const {
  std::vector<double> out;
  for (std::int64_t k = 0; k < k_; ++k) {
    std::int64_t row = 0;
    for (std::int64_t j = 0; j < k_; ++j) row += counts_[static_cast<std::size_t>(k * k_ + j)];
    out.push_back(row ? static_cast<double>(counts_[static_cast<std::size_t>(k * k_ + k)]) / static_cast<double>(row)
                      : NAN);
  }
  return out;
}

std::vector<double> ConfusionMatrix::iou() const {
  std::vector<double> out;
  for (std::int64_t k = 0; k < k_; ++k) {
    std::int64_t row = 0, col = 0;
    for (std::int64_t j = 0; j < k_; ++j) {
      row += counts_[static_cast<std::size_t>(k * k_ + j)];
      col += counts_[static_cast<std::size_t>(j * k_ + k)];
    }
    const std::int64_t hit = counts_[static_cast<std::size_t>(k * k_ + k)];
    const std::int64_t uni = row + col - hit;
    out.push_back(uni ? static_cast<double>(hit) / static_cast<double>(uni) : NAN);
  }
  return out;
}

double ConfusionMatrix::mean_iou() const {
  double sum = 0;
  int n = 0;
  for (double v : iou())
    if (!std::isnan(v)) {
      sum += v;
      ++n;
    }
  return n ? sum / n : 0.0;
}

at::Tensor TaskOps::predict(const at::Tensor& logits) const { return logits.argmax(1); }

const TaskOps& task_ops(Task task) {
  static const Classification classification;
  static const Segmentation segmentation;
  if (task == Task::segmentation) return segmentation;
  if (task == Task::classification) return classification;
  throw std::invalid_argument("unknown task " + std::to_string(static_cast<std::uint32_t>(task)));
}

}  // namespace alchain
