/// The dataset plugin interface: samples addressed by stable IDs; labels only through the oracle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "alchain/sdk/params.hpp"  // Task

namespace alchain {

/// The label of a pixel that belongs to no class (segmentation): losses, metrics and the census
/// skip it (Cityscapes' "void" labels, ADE20K's 0, fmnist_scenes' faint edges).
constexpr std::int64_t kIgnoreIndex = 255;

enum class Split : std::uint32_t { train = 0, test = 1 };

inline const char* to_string(Split s) { return s == Split::train ? "train" : "test"; }

struct DatasetInfo {
  Task task = Task::classification;
  std::vector<std::string> class_names;  ///< index = class label
  std::vector<std::int64_t> input_shape; ///< C, H, W of one sample as inputs() returns it
};

/// A dataset. Sample IDs of a split are 0 .. size(split)-1 and never change for the same files,
/// so results written by one run can be joined with the data later.
///
/// The train split is the pool active learning draws from; the test split is for evaluation.
/// The host calls inputs() from one thread at a time.
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Required: task, class names and input shape.
  virtual DatasetInfo info() const = 0;
  /// Required: number of samples in a split.
  virtual std::int64_t size(Split split) const = 0;
  /// Required: float32 [B, C, H, W] inputs, already normalised, for int64 IDs [B].
  virtual at::Tensor inputs(Split split, const at::Tensor& ids) = 0;
  /// Required: int64 labels for int64 IDs [B]: [B] for classification, [B, H, W] for
  /// segmentation (class per pixel, kIgnoreIndex for none). This is the oracle: the host calls it for the
  /// test split and for samples a policy picked, never to hand labels to a policy.
  virtual at::Tensor labels(Split split, const at::Tensor& ids) = 0;
};

}  // namespace alchain
