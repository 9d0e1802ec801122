// Operational windows: class-prior shift when drawing them, OpenCV corruptions when reading them.
#include "alchain/daic/shift.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "alchain/sdk/rng.hpp"

namespace alchain::assess {

Corruption corruption_from_string(const std::string& s) {
  if (s == "none") return Corruption::none;
  if (s == "blur") return Corruption::blur;
  if (s == "noise") return Corruption::noise;
  if (s == "brightness") return Corruption::brightness;
  if (s == "contrast") return Corruption::contrast;
  if (s == "rotation") return Corruption::rotation;
  throw std::invalid_argument("unknown corruption '" + s + "' (none, blur, noise, brightness, contrast, rotation)");
}

const char* to_string(Corruption c) {
  switch (c) {
    case Corruption::none: return "none";
    case Corruption::blur: return "blur";
    case Corruption::noise: return "noise";
    case Corruption::brightness: return "brightness";
    case Corruption::contrast: return "contrast";
    case Corruption::rotation: return "rotation";
  }
  return "?";
}

void corrupt(at::Tensor& input, Corruption c, double s, std::uint64_t seed) {
  if (c == Corruption::none || s <= 0) return;
  if (input.dim() != 3 || input.scalar_type() != at::kFloat || !input.is_contiguous())
    throw std::invalid_argument("corrupt: expected a contiguous float32 [C, H, W] tensor");
  const int channels = static_cast<int>(input.size(0));
  const int h = static_cast<int>(input.size(1)), w = static_cast<int>(input.size(2));
  float* base = input.data_ptr<float>();
  Rng rng(seed);
  const double sign = (rng.next() & 1) ? 1.0 : -1.0;
  for (int ch = 0; ch < channels; ++ch) {
    cv::Mat m(h, w, CV_32F, base + static_cast<std::ptrdiff_t>(ch) * h * w);
    switch (c) {
      case Corruption::blur:
        cv::GaussianBlur(m, m, cv::Size(0, 0), 0.5 * s, 0.5 * s, cv::BORDER_REFLECT);
        break;
      case Corruption::noise: {
        cv::RNG cvrng(derive_seed(seed, {static_cast<std::uint64_t>(ch)}));
        cv::Mat n(h, w, CV_32F);
        cvrng.fill(n, cv::RNG::NORMAL, 0.0, 0.2 * s);
        m += n;
        break;
      }
      case Corruption::brightness:
        m += 0.3 * s;
        break;
      case Corruption::contrast: {
        const double mean = cv::mean(m)[0];
        const double k = std::max(0.05, 1.0 - 0.18 * s);
        m.convertTo(m, CV_32F, k, mean * (1.0 - k));
        break;
      }
      case Corruption::rotation: {
        double lo = 0, hi = 0;
        cv::minMaxLoc(m, &lo, &hi);
        const cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(0.5f * (w - 1), 0.5f * (h - 1)), sign * 9.0 * s, 1.0);
        cv::Mat out;
        cv::warpAffine(m, out, rot, m.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(lo));
        out.copyTo(m);
        break;
      }
      case Corruption::none: break;
    }
  }
}

void OperationalDataset::expose(const std::vector<std::int64_t>& ids, double severity) {
  for (std::int64_t id : ids) severity_[id] = severity;
}

at::Tensor OperationalDataset::inputs(Split split, const at::Tensor& ids) {
  at::Tensor x = base_->inputs(split, ids);
  if (split != Split::train || corruption_ == Corruption::none || severity_.empty()) return x;
  x = x.contiguous();
  const at::Tensor idc = ids.contiguous();
  const std::int64_t* ip = idc.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < idc.size(0); ++i) {
    auto it = severity_.find(ip[i]);
    if (it == severity_.end() || it->second <= 0) continue;
    at::Tensor row = x[i];
    corrupt(row, corruption_, it->second, derive_seed(seed_, {static_cast<std::uint64_t>(ip[i])}));
  }
  return x;
}

std::vector<std::vector<std::int64_t>> draw_windows(const std::vector<std::int64_t>& available,
                                                    const std::vector<std::int64_t>& labels, std::int64_t num_classes,
                                                    int windows, std::int64_t size,
                                                    const std::vector<double>& prior_shift, std::uint64_t seed) {
  if (available.size() != labels.size()) throw std::invalid_argument("draw_windows: one label per available ID");
  if (static_cast<std::int64_t>(available.size()) < static_cast<std::int64_t>(windows) * size)
    throw std::runtime_error("the train split has " + std::to_string(available.size()) +
                             " inputs left after the training and calibration sets; " + std::to_string(windows) +
                             " windows of " + std::to_string(size) + " need " + std::to_string(windows * size));
  const auto k = static_cast<std::size_t>(num_classes);
  std::vector<std::vector<std::int64_t>> by_class(k);
  for (std::size_t i = 0; i < available.size(); ++i) {
    const std::int64_t y = labels[i];
    if (y < 0 || y >= num_classes) throw std::runtime_error("label " + std::to_string(y) + " outside the classes");
    by_class[static_cast<std::size_t>(y)].push_back(available[i]);
  }
  Rng rng(derive_seed(seed, {0x77696e646f77ULL}));
  std::vector<double> prior(k), skew(k);
  for (std::size_t c = 0; c < k; ++c) {
    prior[c] = static_cast<double>(by_class[c].size()) / static_cast<double>(available.size());
    // Fisher-Yates with the portable generator.
    auto& v = by_class[c];
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.uniform(i)]);
  }
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = k; i > 1; --i) std::swap(order[i - 1], order[rng.uniform(i)]);
  double total = 0;
  for (std::size_t r = 0; r < k; ++r) total += skew[order[r]] = std::pow(0.5, static_cast<double>(r));
  for (double& g : skew) g /= total;

  std::vector<std::size_t> next(k, 0);
  std::vector<std::vector<std::int64_t>> out(static_cast<std::size_t>(windows));
  for (int wi = 0; wi < windows; ++wi) {
    const double s = prior_shift.empty() ? 0.0 : prior_shift.size() == 1 ? prior_shift[0] : prior_shift[wi];
    std::vector<double> q(k);
    for (std::size_t c = 0; c < k; ++c) q[c] = (1 - s) * prior[c] + s * skew[c];
    auto& win = out[static_cast<std::size_t>(wi)];
    while (static_cast<std::int64_t>(win.size()) < size) {
      double mass = 0;
      for (std::size_t c = 0; c < k; ++c)
        if (next[c] < by_class[c].size()) mass += q[c];
      std::size_t pick = k;
      if (mass > 0) {
        double u = rng.uniform01() * mass;
        for (std::size_t c = 0; c < k; ++c) {
          if (next[c] >= by_class[c].size() || q[c] <= 0) continue;
          pick = c;
          if ((u -= q[c]) < 0) break;
        }
      } else {  // the classes the prior wants are used up: take any class left
        for (std::size_t c = 0; c < k && pick == k; ++c)
          if (next[c] < by_class[c].size()) pick = c;
      }
      win.push_back(by_class[pick][next[pick]++]);
    }
  }
  return out;
}

}  // namespace alchain::assess
