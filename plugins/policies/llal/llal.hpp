// Learning loss for active learning (Yoo & Kweon, CVPR 2019): a loss predictor trained with the surrogate.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "alchain/sdk/model.hpp"
#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"

namespace alchain::plugins {

/// The loss-prediction module: per tap, global average pooling (for [B, C, H, W] maps) then
/// Linear(C, hidden) + ReLU; the concatenation goes through Linear(taps * hidden, 1). Pooling is
/// per tap so a convolutional reduction (no pooling, per-pixel loss maps) can replace it for
/// segmentation without changing the rest.
class LossPredictionHead : public TrainingHead {
 public:
  LossPredictionHead(std::vector<std::string> taps, std::int64_t hidden, double margin, double weight,
                     double stop_gradient_fraction);
  std::vector<std::string> taps() const override { return taps_; }
  void reset(const std::map<std::string, std::vector<std::int64_t>>& tap_shapes, int epochs) override;
  std::vector<at::Tensor> parameters() override;
  void train(bool on) override;
  at::Tensor loss(const ModelOutput& out, const at::Tensor& per_sample_loss, int epoch) override;
  /// Predicted loss per sample, [B].
  at::Tensor predict(const std::map<std::string, at::Tensor>& taps, bool detach = false);

 private:
  std::vector<std::string> taps_, used_;
  std::int64_t hidden_;
  double margin_, weight_, stop_fraction_;
  int stop_epoch_ = 0;
  std::shared_ptr<torch::nn::Module> net_;
  std::vector<torch::nn::Linear> per_tap_;
  torch::nn::Linear out_{nullptr};
};

class LlalPolicy : public ScorePolicy {
 public:
  LlalPolicy(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return kNeedTaps; }
  std::shared_ptr<TrainingHead> training_head() override { return head_; }

 protected:
  at::Tensor score(const PoolBatch& batch) override;

 private:
  std::shared_ptr<LossPredictionHead> head_;
  bool trained_ = false;
};

}  // namespace alchain::plugins
