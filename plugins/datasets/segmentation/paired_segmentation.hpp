// Segmentation datasets stored as image files beside label images (Cityscapes, ADE20K): the
// shared part. Each plugin finds its pairs and says how stored label values map to classes.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

/// One sample: an image and its label image, which must have the image's size.
struct LabelledImage {
  std::string image, label;
};

/// How a stored label value (0..255) maps to a class: a class index, kIgnored, or kUnknown (a
/// value the dataset never stores: the file is refused, naming the value).
struct LabelMapping {
  static constexpr std::int16_t kIgnored = 255, kUnknown = -1;
  std::array<std::int16_t, 256> to_class{};
  LabelMapping() { to_class.fill(kUnknown); }
};

/// Images are decoded on demand (no preload: a Cityscapes image is 2048x1024), cut to `crop`
/// (if given), resized to height x width with area interpolation, labels with nearest neighbour, and normalised per
/// channel with `mean` and `std` (ImageNet's by default).
class PairedSegmentation : public Dataset {
 public:
  struct Options {
    std::string name;  ///< the plugin's name, for messages
    std::vector<std::string> class_names;
    LabelMapping mapping;
    std::int64_t height = 0, width = 0;
    std::array<float, 3> mean{}, std{};
    std::vector<std::int64_t> crop;  ///< top, left, height, width in stored pixels, cut before resizing; empty: none
  };
  /// `splits`: the train split's pairs, then the test split's, in a stable order (sorted paths).
  PairedSegmentation(Options options, std::pair<std::vector<LabelledImage>, std::vector<LabelledImage>> splits);

  /// `options(params)` says the plugin's name, classes and label mapping (starting from
  /// common_options()); `pairs` finds a split's pairs, as splits() calls it.
  using OptionsMaker = Options (*)(const Params& params);
  using PairFinder = std::vector<LabelledImage> (*)(const std::filesystem::path& root, const std::string& split);
  PairedSegmentation(const Params& params, const CreateContext& ctx, OptionsMaker options, PairFinder pairs)
      : PairedSegmentation(options(params), splits(params, ctx, pairs)) {}

  DatasetInfo info() const override;
  std::int64_t size(Split split) const override;
  at::Tensor inputs(Split split, const at::Tensor& ids) override;
  at::Tensor labels(Split split, const at::Tensor& ids) override;

  /// Options shared by the plugins: height, width, mean, std from `params`.
  static Options common_options(const Params& params);

  /// The `train_split` folder's pairs, then the `test_split` folder's (so a missing train folder
  /// is the error reported first), found by `pairs(root, split)` under the `root` parameter
  /// (relative to the pipeline file).
  static std::pair<std::vector<LabelledImage>, std::vector<LabelledImage>> splits(const Params& params,
                                                                                  const CreateContext& ctx,
                                                                                  PairFinder pairs);

 private:
  const std::vector<LabelledImage>& split(Split s) const { return s == Split::train ? train_ : test_; }
  std::vector<std::int64_t> checked_ids(Split s, const at::Tensor& ids) const;
  /// The size of sample `id`'s image as stored (read by inputs(), or decoded here once).
  std::pair<int, int> stored_size(Split s, std::int64_t id);
  const cv::Rect* crop_rect() const { return opt_.crop.empty() ? nullptr : &crop_; }
  Options opt_;
  cv::Rect crop_;
  std::vector<LabelledImage> train_, test_;
  std::vector<std::pair<int, int>> sizes_[2];  ///< (width, height) per sample; (0, 0) until decoded
};

/// Files under `dir` (recursively) whose names end with `suffix`, sorted by path: the order that
/// makes sample IDs stable. Throws naming `dir` when it is missing or holds none.
std::vector<std::string> files_ending_with(const std::string& dir, const std::string& suffix, const std::string& what);

/// One pair per file of files_ending_with(`dir`, `suffix`, `what`), in its order, the label
/// image being at `label_of(image)`.
std::vector<LabelledImage> pairs_ending_with(const std::string& dir, const std::string& suffix, const std::string& what,
                                             const std::function<std::filesystem::path(const std::filesystem::path&)>& label_of);

}  // namespace alchain::plugins
