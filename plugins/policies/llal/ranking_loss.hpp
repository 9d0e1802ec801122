// The loss-prediction ranking loss of Yoo & Kweon (CVPR 2019), eq. (2)-(3).
#pragma once

#include <ATen/ATen.h>

namespace alchain::plugins {

/// Pairs sample i with sample B-1-i (the first half against the flipped second half; an odd last
/// sample is left out). For each pair, with target losses l_i, l_j and predictions p_i, p_j:
/// max(0, -sign(l_i - l_j) * (p_i - p_j) + margin), where sign is +1 when l_i > l_j and -1
/// otherwise; the mean over pairs. Targets carry no gradient.
inline at::Tensor llal_ranking_loss(const at::Tensor& pred, const at::Tensor& target, double margin) {
  const std::int64_t half = pred.size(0) / 2;
  if (half == 0) return pred.sum() * 0.0;
  const at::Tensor p = pred.narrow(0, 0, 2 * half), t = target.detach().narrow(0, 0, 2 * half);
  const at::Tensor dp = (p - p.flip(0)).narrow(0, 0, half);
  const at::Tensor dt = (t - t.flip(0)).narrow(0, 0, half);
  const at::Tensor sign = 2.0 * at::sign(at::clamp_min(dt, 0.0)) - 1.0;
  return at::clamp_min(margin - sign * dp, 0.0).sum() / static_cast<double>(half);
}

}  // namespace alchain::plugins
