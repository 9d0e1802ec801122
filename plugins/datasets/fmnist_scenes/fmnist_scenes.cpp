// Scenes are composed on demand from the garments (a few thousand byte copies per scene), so any
// number of scenes costs no memory beyond the two IDX splits.
#include "fmnist_scenes.hpp"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <stdexcept>

#include <torch/torch.h>

#include "common/fashion_mnist_files.hpp"

namespace alchain::plugins {

namespace {
// Normalised as fashion_mnist normalises.
constexpr float kMean = kFashionMnistMean, kStd = kFashionMnistStd;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

FmnistScenes::FmnistScenes(const Params& params, const CreateContext& ctx) {
  std::filesystem::path root = params.get_string("root");
  if (root.is_relative() && !ctx.base_dir.empty()) root = std::filesystem::path(ctx.base_dir) / root;
  size_ = params.get_int("size");
  objects_ = params.get_int("objects");
  threshold_ = params.get_int("threshold");
  seed_ = params.get_int("seed");
  scenes_[0] = params.get_int("train_scenes");
  scenes_[1] = params.get_int("test_scenes");
  train_ = load(root.string(), "train");
  test_ = load(root.string(), "t10k");
  for (const Garments* g : {&train_, &test_})
    if (g->height > size_ || g->width > size_)
      throw std::runtime_error("fmnist_scenes: garments of " + std::to_string(g->height) + "x" +
                               std::to_string(g->width) + " do not fit a canvas of size " + std::to_string(size_));
}

FmnistScenes::Garments FmnistScenes::load(const std::string& dir, const std::string& prefix) const {
  FashionMnistSplit files = read_fashion_mnist_split(dir, prefix);
  IdxArray& images = files.images;
  IdxArray& labels = files.labels;
  if (images.shape[0] == 0) throw std::runtime_error(files.image_file + ": no images to compose scenes from");
  Garments g;
  g.count = images.shape[0];
  g.height = images.shape[1];
  g.width = images.shape[2];
  g.pixels = std::move(images.data);
  g.labels = std::move(labels.data);
  return g;
}

void FmnistScenes::compose(Split split, std::int64_t id, std::uint8_t* image, std::uint8_t* label) const {
  const Garments& g = split == Split::train ? train_ : test_;
  std::fill(image, image + size_ * size_, std::uint8_t{0});
  std::fill(label, label + size_ * size_, std::uint8_t{0});
  // One stream per (seed, split, scene): a scene never depends on which others were composed.
  std::uint64_t state = static_cast<std::uint64_t>(seed_) * 0x100000001B3ull ^
                        (static_cast<std::uint64_t>(split) << 62) ^ static_cast<std::uint64_t>(id);
  splitmix64(state);
  for (std::int64_t k = 0; k < objects_; ++k) {
    const auto pick = static_cast<std::int64_t>(splitmix64(state) % static_cast<std::uint64_t>(g.count));
    const auto y0 = static_cast<std::int64_t>(splitmix64(state) % static_cast<std::uint64_t>(size_ - g.height + 1));
    const auto x0 = static_cast<std::int64_t>(splitmix64(state) % static_cast<std::uint64_t>(size_ - g.width + 1));
    const std::uint8_t* src = g.pixels.data() + pick * g.height * g.width;
    const auto cls = static_cast<std::uint8_t>(1 + g.labels[static_cast<std::size_t>(pick)]);
    for (std::int64_t y = 0; y < g.height; ++y)
      for (std::int64_t x = 0; x < g.width; ++x) {
        const std::uint8_t v = src[y * g.width + x];
        if (v == 0) continue;  // the garment's own black background leaves the scene as it is
        const std::int64_t at = (y0 + y) * size_ + (x0 + x);
        image[at] = v;
        label[at] = v >= threshold_ ? cls : static_cast<std::uint8_t>(kIgnore);
      }
  }
}

DatasetInfo FmnistScenes::info() const {
  DatasetInfo i;
  i.task = Task::segmentation;
  i.class_names.push_back("background");
  i.class_names.insert(i.class_names.end(), std::begin(kFashionMnistClassNames), std::end(kFashionMnistClassNames));
  i.input_shape = {1, size_, size_};
  return i;
}

std::int64_t FmnistScenes::size(Split s) const { return scenes_[s == Split::train ? 0 : 1]; }

std::vector<std::int64_t> FmnistScenes::checked_ids(Split s, const at::Tensor& ids) const {
  const at::Tensor c = ids.to(torch::kInt64).contiguous().reshape({-1});
  std::vector<std::int64_t> out(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel());
  for (const std::int64_t id : out)
    if (id < 0 || id >= size(s))
      throw std::out_of_range(std::string("fmnist_scenes: sample ID out of range for split ") + to_string(s) + " (" +
                              std::to_string(id) + ", size " + std::to_string(size(s)) + ")");
  return out;
}

at::Tensor FmnistScenes::inputs(Split s, const at::Tensor& ids) {
  const std::vector<std::int64_t> v = checked_ids(s, ids);
  const std::int64_t n = static_cast<std::int64_t>(v.size()), px = size_ * size_;
  at::Tensor raw = torch::empty({n, 1, size_, size_}, torch::kUInt8);
  std::vector<std::uint8_t> label(static_cast<std::size_t>(px));
  for (std::int64_t i = 0; i < n; ++i) compose(s, v[static_cast<std::size_t>(i)], raw.data_ptr<std::uint8_t>() + i * px, label.data());
  return ((raw.to(torch::kFloat) / 255.0f - kMean) / kStd).contiguous();
}

at::Tensor FmnistScenes::labels(Split s, const at::Tensor& ids) {
  const std::vector<std::int64_t> v = checked_ids(s, ids);
  const std::int64_t n = static_cast<std::int64_t>(v.size()), px = size_ * size_;
  at::Tensor out = torch::empty({n, size_, size_}, torch::kUInt8);
  std::vector<std::uint8_t> image(static_cast<std::size_t>(px));
  for (std::int64_t i = 0; i < n; ++i) compose(s, v[static_cast<std::size_t>(i)], image.data(), out.data_ptr<std::uint8_t>() + i * px);
  return out.to(torch::kInt64);
}

}  // namespace alchain::plugins
