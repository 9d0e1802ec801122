// Loads Fashion-MNIST once into normalised float tensors; batches are index_select()s.
#include "fashion_mnist.hpp"

#include <filesystem>
#include <iterator>

#include "common/fashion_mnist_files.hpp"

namespace alchain::plugins {

namespace {
constexpr float kMean = kFashionMnistMean, kStd = kFashionMnistStd;
}  // namespace

FashionMnist::FashionMnist(const Params& params, const CreateContext& ctx) {
  std::filesystem::path root = params.get_string("root");
  if (root.is_relative() && !ctx.base_dir.empty()) root = std::filesystem::path(ctx.base_dir) / root;
  const std::int64_t pad = params.get_int("pad");
  train_ = load(root.string(), "train", params.get_int("train_limit"), pad);
  test_ = load(root.string(), "t10k", params.get_int("test_limit"), pad, &train_);
}

FashionMnist::SplitData FashionMnist::load(const std::string& dir, const std::string& prefix, std::int64_t limit,
                                           std::int64_t pad, const SplitData* like) const {
  FashionMnistSplit files = read_fashion_mnist_split(dir, prefix);
  IdxArray& images = files.images;
  IdxArray& labels = files.labels;
  const std::string& image_file = files.image_file;
  std::int64_t n = images.shape[0];
  if (limit > 0 && limit < n) n = limit;
  const std::int64_t h = images.shape[1], w = images.shape[2];
  // A model sees the training split's size only: test images of another size fail mid-run.
  if (like && (h != like->height || w != like->width))
    throw std::runtime_error(image_file + ": images of " + std::to_string(h) + "x" + std::to_string(w) +
                             ", the training images are " + std::to_string(like->height) + "x" +
                             std::to_string(like->width));
  SplitData s;
  s.height = h;
  s.width = w;
  at::Tensor raw = torch::from_blob(images.data.data(), {n, 1, h, w}, torch::kUInt8).to(torch::kFloat);
  raw = (raw / 255.0f - kMean) / kStd;
  // Pad with the normalised value of a black pixel, as zero-padding the raw image would.
  s.images = torch::constant_pad_nd(raw, {pad, pad, pad, pad}, (0.0f - kMean) / kStd).contiguous();
  s.labels = torch::from_blob(labels.data.data(), {n}, torch::kUInt8).to(torch::kInt64);
  return s;
}

DatasetInfo FashionMnist::info() const {
  DatasetInfo i;
  i.task = Task::classification;
  i.class_names.assign(std::begin(kFashionMnistClassNames), std::end(kFashionMnistClassNames));
  i.input_shape = {1, train_.images.size(2), train_.images.size(3)};
  return i;
}

std::int64_t FashionMnist::size(Split s) const { return split(s).labels.size(0); }

void FashionMnist::check_ids(Split s, const at::Tensor& ids) const {
  if (ids.numel() == 0) return;
  const std::int64_t lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
  if (lo < 0 || hi >= size(s))
    throw std::out_of_range(std::string("fashion_mnist: sample ID out of range for split ") + to_string(s) + " (" +
                            std::to_string(lo < 0 ? lo : hi) + ", size " + std::to_string(size(s)) + ")");
}

at::Tensor FashionMnist::inputs(Split s, const at::Tensor& ids) {
  check_ids(s, ids);
  return split(s).images.index_select(0, ids);
}

at::Tensor FashionMnist::labels(Split s, const at::Tensor& ids) {
  check_ids(s, ids);
  return split(s).labels.index_select(0, ids);
}

}  // namespace alchain::plugins
