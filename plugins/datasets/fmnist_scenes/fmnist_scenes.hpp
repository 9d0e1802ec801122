// Segmentation scenes composed from Fashion-MNIST garments: a dataset that makes segmentation
// chains runnable on a laptop, built deterministically from the IDX files alchain already reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

/// Scene `i` of a split places `objects` garments of that split's Fashion-MNIST images on a
/// `size` x `size` black canvas, each at a position drawn from (seed, split, i) alone, later
/// garments over earlier ones. Labels: 0 background, 1 + the Fashion-MNIST class for a garment
/// pixel at least `threshold` bright, 255 (ignored) for its fainter edge pixels.
class FmnistScenes : public Dataset {
 public:
  static constexpr std::int64_t kIgnore = 255;
  FmnistScenes(const Params& params, const CreateContext& ctx);
  DatasetInfo info() const override;
  std::int64_t size(Split split) const override;
  at::Tensor inputs(Split split, const at::Tensor& ids) override;
  at::Tensor labels(Split split, const at::Tensor& ids) override;

 private:
  struct Garments {
    std::vector<std::uint8_t> pixels;  // [n, 28, 28]
    std::vector<std::uint8_t> labels;  // [n]
    std::int64_t count = 0, height = 0, width = 0;
  };
  Garments load(const std::string& dir, const std::string& prefix) const;
  /// Composes scene `id` of `split` into `image` and `label` (size * size each).
  void compose(Split split, std::int64_t id, std::uint8_t* image, std::uint8_t* label) const;
  std::vector<std::int64_t> checked_ids(Split split, const at::Tensor& ids) const;

  Garments train_, test_;
  std::int64_t size_ = 64, objects_ = 3, threshold_ = 64, seed_ = 0;
  std::int64_t scenes_[2] = {0, 0};
};

}  // namespace alchain::plugins
