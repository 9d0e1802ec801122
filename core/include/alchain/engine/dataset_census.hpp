/// What a dataset holds, counted through its plugin: sizes and per-class counts (samples for
/// classification, pixels for segmentation). `alchain data` prints it, so users can check class
/// balance and a label mapping before they spend hours on a run.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/sdk/dataset.hpp"

namespace alchain {

/// The label a segmentation dataset gives pixels that count for no class (Cityscapes' convention).
inline constexpr std::int64_t kIgnoreLabel = 255;

struct LabelCensus {
  Split split = Split::train;
  std::int64_t size = 0;     ///< samples in the split
  std::int64_t counted = 0;  ///< samples whose labels were counted (the first `limit`)
  std::vector<std::int64_t> per_class;  ///< samples (classification) or pixels (segmentation) per class
  std::int64_t ignored = 0;  ///< pixels labelled kIgnoreLabel
  std::int64_t invalid = 0;  ///< labels outside 0..classes-1 that are not kIgnoreLabel: a mapping bug
};

/// Counts the labels of the first `limit` samples of `split` (all when `limit` <= 0), `batch` at
/// a time; `progress(done, total)` is called after each batch.
LabelCensus count_labels(Dataset& data, Split split, std::int64_t limit, std::int64_t batch,
                         const std::function<void(std::int64_t, std::int64_t)>& progress = {});

/// The table `alchain data` prints for `name`'s dataset.
void print_census(std::ostream& os, const std::string& name, const DatasetInfo& info,
                  const std::vector<LabelCensus>& splits);

}  // namespace alchain
