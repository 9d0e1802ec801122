/// Reductions from per-pixel scores to one score per image, for segmentation policies.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

namespace alchain {

enum class Reduction {
  mean,               ///< mean over valid pixels
  max,                ///< max over valid pixels
  top_fraction_mean,  ///< mean of the highest ceil(fraction * valid pixels) scores
};

inline const char* to_string(Reduction r) {
  switch (r) {
    case Reduction::max: return "max";
    case Reduction::top_fraction_mean: return "top_fraction_mean";
    default: return "mean";
  }
}

inline Reduction parse_reduction(const std::string& s) {
  if (s == "mean") return Reduction::mean;
  if (s == "max") return Reduction::max;
  if (s == "top_fraction_mean") return Reduction::top_fraction_mean;
  throw std::invalid_argument("unknown reduction '" + s + "' (mean, max, top_fraction_mean)");
}

/// Valid-pixel mask from a label map: false where the label is `ignore_index` (e.g. 255).
inline at::Tensor valid_pixels(const at::Tensor& labels, std::int64_t ignore_index) { return labels.ne(ignore_index); }

/// [B, H, W] (or [B, N]) per-pixel scores -> [B] per-image scores, higher = more informative.
/// `valid` (bool, same shape, optional) excludes pixels such as an ignore index's; an image
/// without any valid pixel scores 0 (nothing to learn from it).
inline at::Tensor reduce_pixel_scores(const at::Tensor& scores, Reduction r, double fraction = 0.1,
                                      const at::Tensor& valid = at::Tensor()) {
  if (scores.dim() < 2) throw std::invalid_argument("reduce_pixel_scores needs [B, ...] scores");
  if (!(fraction > 0.0 && fraction <= 1.0)) throw std::invalid_argument("fraction must be in (0, 1]");
  const at::Tensor s = scores.reshape({scores.size(0), -1}).to(at::kDouble);
  const at::Tensor v = valid.defined() ? valid.reshape({scores.size(0), -1}).to(at::kBool) : at::ones_like(s, at::kBool);
  if (v.sizes() != s.sizes()) throw std::invalid_argument("valid mask and scores differ in shape");
  const at::Tensor count = v.sum(1);
  at::Tensor out;
  switch (r) {
    case Reduction::mean:
      out = s.masked_fill(~v, 0.0).sum(1) / count.clamp_min(1);
      break;
    case Reduction::max:
      out = std::get<0>(s.masked_fill(~v, -INFINITY).max(1));
      break;
    case Reduction::top_fraction_mean: {
      const at::Tensor sorted = std::get<0>(s.masked_fill(~v, -INFINITY).sort(1, /*descending=*/true));
      const at::Tensor k = (count.to(at::kDouble) * fraction).ceil().clamp_min(1).to(at::kLong);
      const at::Tensor rank = at::arange(s.size(1), s.options().dtype(at::kLong)).unsqueeze(0);
      const at::Tensor take = rank.lt(k.unsqueeze(1)) & rank.lt(count.unsqueeze(1));
      out = sorted.masked_fill(~take, 0.0).sum(1) / k.to(at::kDouble);
      break;
    }
  }
  return out.masked_fill(count.eq(0), 0.0).to(at::kFloat);
}

}  // namespace alchain
