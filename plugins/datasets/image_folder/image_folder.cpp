// Indexes the folder tree once; decodes images up front (preload) or per batch.
#include "image_folder.hpp"

#include <algorithm>
#include <filesystem>

#include "common/image_decode.hpp"

namespace fs = std::filesystem;

namespace alchain::plugins {

ImageFolder::ImageFolder(const Params& params, const CreateContext& ctx)
    : channels_(params.get_int("channels")),
      height_(params.get_int("height")),
      width_(params.get_int("width")),
      mean_(params.get_float("mean")),
      std_(params.get_float("std")) {
  if (channels_ != 1 && channels_ != 3) throw std::invalid_argument("channels must be 1 or 3");
  fs::path root = params.get_string("root");
  if (root.is_relative() && !ctx.base_dir.empty()) root = fs::path(ctx.base_dir) / root;
  root_ = root.string();
  if (!fs::is_directory(root)) throw std::runtime_error(root_ + ": image_folder root is not a directory");
  index(train_, params.get_string("train_split"), true);
  index(test_, params.get_string("test_split"), false);
  if (params.get_bool("preload"))
    for (SplitData* s : {&train_, &test_}) {
      s->cache = torch::empty({static_cast<std::int64_t>(s->files.size()), channels_, height_, width_});
      for (std::size_t i = 0; i < s->files.size(); ++i) s->cache[static_cast<std::int64_t>(i)].copy_(decode(s->files[i]));
    }
}

void ImageFolder::index(SplitData& s, const std::string& name, bool define_classes) {
  const fs::path dir = fs::path(root_) / name;
  if (!fs::is_directory(dir)) throw std::runtime_error(dir.string() + ": missing split directory");
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) found.push_back(e.path().filename().string());
  std::sort(found.begin(), found.end());
  if (define_classes) {
    if (found.empty()) throw std::runtime_error(dir.string() + ": no class directories");
    classes_ = found;
  }
  for (const auto& cls : found) {
    auto it = std::find(classes_.begin(), classes_.end(), cls);
    if (it == classes_.end())
      throw std::runtime_error((dir / cls).string() + ": class '" + cls + "' is not in the training split");
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir / cls))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      s.files.push_back(std::move(f));
      s.labels.push_back(it - classes_.begin());
    }
  }
  if (s.files.empty()) throw std::runtime_error(dir.string() + ": no images");
}

at::Tensor ImageFolder::decode(const std::string& file) const {
  cv::Mat img = read_image(file, static_cast<int>(channels_), static_cast<int>(height_), static_cast<int>(width_));
  at::Tensor t = torch::from_blob(img.data, {height_, width_, channels_}, torch::kFloat).permute({2, 0, 1}).clone();
  return (t - mean_) / std_;
}

DatasetInfo ImageFolder::info() const {
  DatasetInfo i;
  i.task = Task::classification;
  i.class_names = classes_;
  i.input_shape = {channels_, height_, width_};
  return i;
}

std::int64_t ImageFolder::size(Split s) const { return static_cast<std::int64_t>(split(s).files.size()); }

void ImageFolder::check_ids(Split s, const at::Tensor& ids) const {
  if (ids.numel() == 0) return;
  const std::int64_t lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
  if (lo < 0 || hi >= size(s))
    throw std::out_of_range(std::string("image_folder: sample ID out of range for split ") + to_string(s));
}

at::Tensor ImageFolder::inputs(Split s, const at::Tensor& ids) {
  check_ids(s, ids);
  const SplitData& d = split(s);
  if (d.cache.defined()) return d.cache.index_select(0, ids);
  const at::Tensor c = ids.contiguous();
  at::Tensor out = torch::empty({c.size(0), channels_, height_, width_});
  for (std::int64_t i = 0; i < c.size(0); ++i) out[i].copy_(decode(d.files[c.data_ptr<std::int64_t>()[i]]));
  return out;
}

at::Tensor ImageFolder::labels(Split s, const at::Tensor& ids) {
  check_ids(s, ids);
  const SplitData& d = split(s);
  return torch::tensor(d.labels, torch::kInt64).index_select(0, ids);
}

}  // namespace alchain::plugins
