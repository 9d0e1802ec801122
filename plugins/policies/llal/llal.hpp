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

/// The loss-prediction module, in one of two forms.
///  - dense (the paper's, for classification): per tap, global average pooling (for [B, C, H, W]
///    maps) then Linear(C, hidden) + ReLU; the concatenation goes through Linear(taps * hidden, 1):
///    one predicted loss per sample.
///  - conv (for segmentation): the same layers as 1x1 convolutions at every pixel, no pooling:
///    per tap Conv1x1(C, hidden) + ReLU, resized bilinearly to the finest tap's size,
///    concatenated, Conv1x1(taps * hidden, 1): a predicted loss map [B, h, w]. The host hands the
///    head each image's loss (the mean over its labelled pixels), so the map is trained through
///    its mean per image; scoring returns the map and the round's pixel reduction (mean, max,
///    top_fraction_mean) turns it into the image's score.
class LossPredictionHead : public TrainingHead {
 public:
  enum class Form { dense, conv };
  LossPredictionHead(std::vector<std::string> taps, Form form, std::int64_t hidden, double margin, double weight,
                     double stop_gradient_fraction);
  std::vector<std::string> taps() const override { return taps_; }
  void reset(const std::map<std::string, std::vector<std::int64_t>>& tap_shapes, int epochs) override;
  std::vector<at::Tensor> parameters() override;
  void train(bool on) override;
  at::Tensor loss(const ModelOutput& out, const at::Tensor& per_sample_loss, int epoch) override;
  /// Predicted loss per sample, [B] (dense), or per pixel, [B, h, w] (conv).
  at::Tensor predict(const std::map<std::string, at::Tensor>& taps, bool detach = false);
  Form form() const { return form_; }

 private:
  std::vector<std::string> taps_, used_;
  Form form_;
  std::int64_t hidden_;
  double margin_, weight_, stop_fraction_;
  int stop_epoch_ = 0;
  std::shared_ptr<torch::nn::Module> net_;
  std::vector<torch::nn::Linear> per_tap_;  // dense
  torch::nn::Linear out_{nullptr};
  std::vector<torch::nn::Conv2d> per_tap_conv_;  // conv
  torch::nn::Conv2d out_conv_{nullptr};
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
