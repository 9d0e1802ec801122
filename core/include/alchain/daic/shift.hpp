/// Operational windows: which inputs a window holds (with class-prior shift) and what operation
/// does to them (input corruptions, done with OpenCV), seeded and reproducible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "alchain/sdk/dataset.hpp"

namespace alchain::assess {

/// The corruptions a window can apply, each at a severity in [0, 5] (0 = none). They act on the
/// dataset's normalised inputs, channel by channel (docs/assessment.md gives the formulas).
enum class Corruption { none, blur, noise, brightness, contrast, rotation };
Corruption corruption_from_string(const std::string& s);
const char* to_string(Corruption c);

/// Applies `c` at `severity` to one float32 [C, H, W] input in place; the random parts (noise,
/// the rotation's direction) come from `seed`.
void corrupt(at::Tensor& input, Corruption c, double severity, std::uint64_t seed);

/// A dataset whose train-split inputs are corrupted where operation saw them corrupted: each
/// registered ID is returned with its window's corruption and severity (seeded by the ID), every
/// other input as the base dataset gives it. Training on it trains on what the fleet saw.
class OperationalDataset : public Dataset {
 public:
  OperationalDataset(std::shared_ptr<Dataset> base, Corruption c, std::uint64_t seed)
      : base_(std::move(base)), corruption_(c), seed_(seed) {}
  /// Inputs `ids` of the train split are seen at `severity` from now on.
  void expose(const std::vector<std::int64_t>& ids, double severity);
  DatasetInfo info() const override { return base_->info(); }
  std::int64_t size(Split split) const override { return base_->size(split); }
  at::Tensor inputs(Split split, const at::Tensor& ids) override;
  at::Tensor labels(Split split, const at::Tensor& ids) override { return base_->labels(split, ids); }

 private:
  std::shared_ptr<Dataset> base_;
  Corruption corruption_;
  std::uint64_t seed_;
  std::unordered_map<std::int64_t, double> severity_;
};

/// Draws the windows' input IDs without replacement from `available` (train-split IDs with their
/// `labels`): window w draws `size` inputs whose classes follow (1 - s_w) · the pool's class
/// priors + s_w · a skewed prior (geometric, ratio 1/2, over a seeded order of the classes),
/// s_w = prior_shift[w] (or 0). Throws when the pool runs out.
std::vector<std::vector<std::int64_t>> draw_windows(const std::vector<std::int64_t>& available,
                                                    const std::vector<std::int64_t>& labels, std::int64_t num_classes,
                                                    int windows, std::int64_t size,
                                                    const std::vector<double>& prior_shift, std::uint64_t seed);

}  // namespace alchain::assess
