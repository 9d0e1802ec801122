// BADGE: k-means++ seeding on gradient embeddings of the last layer (Ash et al., ICLR 2020).
#pragma once

#include <vector>

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"

namespace alchain::plugins {

/// The gradient of the cross-entropy loss under the predicted label ŷ with respect to the last
/// linear layer's weights is g = (p - e_ŷ) ⊗ h (h = the embedding). Distances between these
/// K·D-dimensional vectors factorise, ||g_i - g_j||² = |a_i|²|h_i|² + |a_j|²|h_j|² - 2 (a_i·a_j)(h_i·h_j)
/// with a = p - e_ŷ, so only a and h are stored. Seeding: the first center is the largest
/// gradient (lowest index on ties); each next one is drawn with probability proportional to the
/// squared distance to the nearest center (u = uniform01() * total with the round's Rng, the first
/// index whose running sum exceeds u).
class BadgePolicy : public Policy {
 public:
  BadgePolicy(const Params&, const CreateContext& ctx) {
    if (ctx.task != Task::classification)
      throw std::invalid_argument("badge builds gradient embeddings from per-sample logits [B, K]; it does not "
                                  "support segmentation (use a score policy with a reduction, or coreset)");
  }
  std::uint32_t needs() const override { return kNeedLogits | kNeedEmbedding; }
  void begin(const SelectionContext& ctx) override;
  void observe(const PoolBatch& batch) override;
  Selection select() override;

 private:
  SelectionContext ctx_;
  std::int64_t k_ = 0, d_ = 0;
  std::vector<float> a_, h_;
  std::vector<std::int64_t> ids_;
};

}  // namespace alchain::plugins
