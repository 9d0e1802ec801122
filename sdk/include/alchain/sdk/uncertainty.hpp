/// Uncertainty scores from logits, shared by the uncertainty policies (higher = more uncertain).
/// The class axis is 1 of logits [B, K] (2 of [T, B, K] and [M, B, K]); segmentation's trailing
/// pixel axes ([B, K, H, W], ...) pass through, giving per-pixel scores [B, H, W].
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

/// Entropy of a probability tensor along `dim`, 0 log 0 = 0.
inline at::Tensor entropy_of_probs(const at::Tensor& p, std::int64_t dim) {
  return -(p * at::log(p.clamp_min(1e-30))).sum(dim);
}

/// MC-dropout predictive entropy H(mean_t p_t). mc_logits [T, B, K] -> [B].
inline at::Tensor mc_entropy(const at::Tensor& mc_logits) {
  return entropy_of_probs(at::softmax(mc_logits, 2).mean(0), 1);
}

/// BALD mutual information H(mean_t p_t) - mean_t H(p_t) (Houlsby et al. 2011; Gal et al. 2017).
inline at::Tensor bald(const at::Tensor& mc_logits) {
  const at::Tensor p = at::softmax(mc_logits, 2);
  return entropy_of_probs(p.mean(0), 1) - entropy_of_probs(p, 2).mean(0);
}

/// Variation ratio 1 - (votes of the modal class) / T over the T passes' predicted classes.
inline at::Tensor variation_ratios(const at::Tensor& mc_logits) {
  const std::int64_t t = mc_logits.size(0), k = mc_logits.size(2);
  const at::Tensor votes = at::one_hot(mc_logits.argmax(2), k).sum(0);  // [B, ..., K]
  return 1.0 - std::get<0>(votes.max(-1)).to(at::kFloat) / static_cast<double>(t);
}

/// Vote entropy over M committee members' predicted classes: -sum_k (V_k/M) log(V_k/M).
inline at::Tensor vote_entropy(const at::Tensor& committee_logits) {
  const std::int64_t m = committee_logits.size(0), k = committee_logits.size(2);
  const at::Tensor share = at::one_hot(committee_logits.argmax(2), k).sum(0).to(at::kFloat) / static_cast<double>(m);
  return entropy_of_probs(share, -1);  // [B, ..., K]
}

/// Mean KL divergence of each member's softmax to the consensus (mean) softmax (McCallum & Nigam 1998).
inline at::Tensor kl_to_consensus(const at::Tensor& committee_logits) {
  const at::Tensor logp = at::log_softmax(committee_logits, 2);
  const at::Tensor consensus = logp.exp().mean(0);  // [B, K]
  return (logp.exp() * (logp - at::log(consensus.clamp_min(1e-30)).unsqueeze(0))).sum(2).mean(0);
}

/// Cross-entropy of the logits under the true labels (the "true loss" reference). Labels
/// outside [0, K) (segmentation's ignore index) score 0.
inline at::Tensor true_loss(const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor valid = labels.ge(0) & labels.lt(logits.size(1));
  const at::Tensor safe = labels.masked_fill(~valid, 0);
  return (-at::log_softmax(logits, 1).gather(1, safe.unsqueeze(1)).squeeze(1)).masked_fill(~valid, 0.0);
}

}  // namespace alchain::uncertainty
