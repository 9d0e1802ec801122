/// Uncertainty scores from logits, shared by the uncertainty policies (higher = more uncertain).
#pragma once

#include <ATen/ATen.h>

namespace alchain::uncertainty {

/// Shannon entropy of softmax(logits), in nats: -sum_k p_k log p_k. [B, K] -> [B].
inline at::Tensor entropy(const at::Tensor& logits) {
  const at::Tensor logp = at::log_softmax(logits, 1);
  return -(logp.exp() * logp).sum(1);
}

/// Margin score: -(p_(1) - p_(2)), the negated gap between the two most likely classes.
inline at::Tensor margin(const at::Tensor& logits) {
  const at::Tensor top2 = std::get<0>(at::softmax(logits, 1).topk(2, 1));
  return top2.select(1, 1) - top2.select(1, 0);
}

/// Least confidence: 1 - max_k p_k.
inline at::Tensor least_confidence(const at::Tensor& logits) {
  return 1.0 - std::get<0>(at::softmax(logits, 1).max(1));
}

}  // namespace alchain::uncertainty
