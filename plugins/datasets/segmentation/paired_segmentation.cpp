// The part Cityscapes and ADE20K share: finding and checking pairs, decoding, mapping label values.
#include "paired_segmentation.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "common/image_decode.hpp"

namespace alchain::plugins {

namespace fs = std::filesystem;

std::vector<std::string> files_ending_with(const std::string& dir, const std::string& suffix, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(dir + ": missing (" + what + ")");
  std::vector<std::string> out;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end; it != end;
       it.increment(ec)) {
    if (ec) throw std::runtime_error(dir + ": cannot list: " + ec.message());
    const std::string name = it->path().filename().string();
    if (it->is_regular_file(ec) && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(it->path().string());
  }
  if (ec) throw std::runtime_error(dir + ": cannot list: " + ec.message());
  if (out.empty()) throw std::runtime_error(dir + ": no *" + suffix + " files (" + what + ")");
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<LabelledImage> pairs_ending_with(const std::string& dir, const std::string& suffix, const std::string& what,
                                             const std::function<fs::path(const fs::path&)>& label_of) {
  std::vector<LabelledImage> out;
  for (const std::string& image : files_ending_with(dir, suffix, what)) out.push_back({image, label_of(image).string()});
  return out;
}

PairedSegmentation::Options PairedSegmentation::common_options(const Params& params) {
  Options o;
  o.height = params.get_int("height");
  o.width = params.get_int("width");
  const auto& mean = params.get_float_list("mean");
  const auto& std = params.get_float_list("std");
  if (mean.size() != 3 || std.size() != 3) throw std::invalid_argument("mean and std need 3 values (R, G, B)");
  for (int c = 0; c < 3; ++c) {
    if (!(std[c] > 0)) throw std::invalid_argument("std must be > 0");
    o.mean[c] = static_cast<float>(mean[c]);
    o.std[c] = static_cast<float>(std[c]);
  }
  return o;
}

std::pair<std::vector<LabelledImage>, std::vector<LabelledImage>> PairedSegmentation::splits(const Params& params,
                                                                                            const CreateContext& ctx,
                                                                                            PairFinder pairs) {
  fs::path root = params.get_string("root");
  if (root.is_relative() && !ctx.base_dir.empty()) root = fs::path(ctx.base_dir) / root;
  auto train = pairs(root, params.get_string("train_split"));
  return {std::move(train), pairs(root, params.get_string("test_split"))};
}

PairedSegmentation::PairedSegmentation(Options options,
                                       std::pair<std::vector<LabelledImage>, std::vector<LabelledImage>> splits)
    : opt_(std::move(options)), train_(std::move(splits.first)), test_(std::move(splits.second)) {
  if (!opt_.crop.empty()) {
    if (opt_.crop.size() != 4 || opt_.crop[2] < 1 || opt_.crop[3] < 1)
      throw std::invalid_argument("crop: [top, left, height, width] in the stored image's pixels, height and width >= 1");
    crop_ = cv::Rect(static_cast<int>(opt_.crop[1]), static_cast<int>(opt_.crop[0]), static_cast<int>(opt_.crop[3]),
                     static_cast<int>(opt_.crop[2]));
  }
  // Files of a pair must both exist now: a missing label file is an error of the tree, not of
  // a batch hours later.
  for (const auto* v : {&train_, &test_})
    for (const auto& s : *v)
      for (const std::string* f : {&s.image, &s.label})
        if (!fs::exists(*f)) throw std::runtime_error(*f + ": missing (the label image of " + s.image + ")");
  sizes_[0].assign(train_.size(), {0, 0});
  sizes_[1].assign(test_.size(), {0, 0});
}

std::pair<int, int> PairedSegmentation::stored_size(Split s, std::int64_t id) {
  std::pair<int, int>& known = sizes_[s == Split::train ? 0 : 1][static_cast<std::size_t>(id)];
  if (known.first == 0) {
    cv::Size size;
    read_image(split(s)[static_cast<std::size_t>(id)].image, 3, 1, 1, &size);
    known = {size.width, size.height};
  }
  return known;
}

DatasetInfo PairedSegmentation::info() const {
  DatasetInfo i;
  i.task = Task::segmentation;
  i.class_names = opt_.class_names;
  i.input_shape = {3, opt_.height, opt_.width};
  return i;
}

std::int64_t PairedSegmentation::size(Split s) const { return static_cast<std::int64_t>(split(s).size()); }

std::vector<std::int64_t> PairedSegmentation::checked_ids(Split s, const at::Tensor& ids) const {
  const at::Tensor c = ids.to(torch::kInt64).contiguous().reshape({-1});
  std::vector<std::int64_t> out(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel());
  for (const std::int64_t id : out)
    if (id < 0 || id >= size(s))
      throw std::out_of_range(opt_.name + ": sample ID out of range for split " + to_string(s) + " (" +
                              std::to_string(id) + ", size " + std::to_string(size(s)) + ")");
  return out;
}

at::Tensor PairedSegmentation::inputs(Split s, const at::Tensor& ids) {
  const std::vector<std::int64_t> v = checked_ids(s, ids);
  const std::int64_t h = opt_.height, w = opt_.width;
  at::Tensor out = torch::empty({static_cast<std::int64_t>(v.size()), 3, h, w}, torch::kFloat);
  for (std::size_t i = 0; i < v.size(); ++i) {
    cv::Size stored;
    const cv::Mat img = read_image(split(s)[static_cast<std::size_t>(v[i])].image, 3, static_cast<int>(h),
                                   static_cast<int>(w), &stored, crop_rect());  // RGB, [0, 1], H x W x 3
    sizes_[s == Split::train ? 0 : 1][static_cast<std::size_t>(v[i])] = {stored.width, stored.height};
    const at::Tensor hwc = torch::from_blob(img.data, {h, w, 3}, torch::kFloat);
    at::Tensor chw = out[static_cast<std::int64_t>(i)];
    chw.copy_(hwc.permute({2, 0, 1}));
    for (int c = 0; c < 3; ++c) chw[c].sub_(opt_.mean[c]).div_(opt_.std[c]);
  }
  return out;
}

at::Tensor PairedSegmentation::labels(Split s, const at::Tensor& ids) {
  const std::vector<std::int64_t> v = checked_ids(s, ids);
  const std::int64_t h = opt_.height, w = opt_.width;
  at::Tensor out = torch::empty({static_cast<std::int64_t>(v.size()), h, w}, torch::kInt64);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const LabelledImage& pair = split(s)[static_cast<std::size_t>(v[i])];
    cv::Mat label = read_label_image(pair.label);
    // The label image must cover the image pixel for pixel.
    const auto [iw, ih] = stored_size(s, v[i]);
    if (label.cols != iw || label.rows != ih)
      throw std::runtime_error(pair.label + ": a label image of " + std::to_string(label.cols) + "x" +
                               std::to_string(label.rows) + " for an image of " + std::to_string(iw) + "x" +
                               std::to_string(ih) + " (" + pair.image + ")");
    for (int r = 0; r < label.rows; ++r) {
      const std::uint8_t* p = label.ptr<std::uint8_t>(r);
      for (int c = 0; c < label.cols; ++c)
        if (opt_.mapping.to_class[p[c]] == LabelMapping::kUnknown)
          throw std::runtime_error(pair.label + ": unknown label value " + std::to_string(p[c]) + " at pixel (" +
                                   std::to_string(c) + ", " + std::to_string(r) + ") for " + opt_.name);
    }
    label = cropped(label, crop_rect(), pair.label);
    if (label.rows != h || label.cols != w)
      cv::resize(label, label, cv::Size(static_cast<int>(w), static_cast<int>(h)), 0, 0, cv::INTER_NEAREST);
    if (!label.isContinuous()) label = label.clone();  // a crop without resizing is a strided view
    const at::Tensor raw = torch::from_blob(label.data, {h, w}, torch::kUInt8).to(torch::kLong);
    const at::Tensor lut = torch::from_blob(const_cast<std::int16_t*>(opt_.mapping.to_class.data()), {256}, torch::kInt16)
                               .to(torch::kLong);
    out[static_cast<std::int64_t>(i)].copy_(lut.index({raw}));
  }
  return out;
}

}  // namespace alchain::plugins
