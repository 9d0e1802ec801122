// CIFAR-style ResNet-20 (He et al. 2016, sec. 4.2): 3 stages x 3 basic blocks, widths 16/32/64.
#pragma once

#include <torch/torch.h>

#include "layers.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

struct ResNet20Options {
  ResNet20Options(std::int64_t in_channels, std::int64_t num_classes)
      : in_channels_(in_channels), num_classes_(num_classes) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, num_classes);  ///< 0: no classifier (a backbone; forward() gives no logits)
  TORCH_ARG(std::int64_t, width) = 1;  ///< multiplies the stage widths 16/32/64
};

using zoo::FoldedConvBn;
using zoo::folding;

/// 3x3 conv-BN-ReLU-3x3 conv-BN + shortcut, ReLU. Shortcut "A": identity, or stride-2
/// subsampling with zero-padded extra channels (no parameters).
struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);
  void train(bool on = true) override;  ///< also drops the folded weights
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  std::int64_t stride, extra_channels;
  FoldedConvBn folded1, folded2;
};
TORCH_MODULE(BasicBlock);

class ResNet20 : public Model {
 public:
  explicit ResNet20(const ResNet20Options& o);
  ResNet20(const Params& params, const CreateContext& ctx);
  ModelOutput forward(const at::Tensor& x) override;
  std::int64_t embedding_dim() const override { return 64 * options_.width(); }
  std::int64_t macs(const std::vector<std::int64_t>& input_shape) const override;
  std::vector<std::string> tap_names() const override { return {"stage1", "stage2", "stage3"}; }
  void train(bool on = true) override;  ///< also drops the folded weights

 private:
  ResNet20Options options_;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layers{nullptr};
  torch::nn::Linear fc{nullptr};
  FoldedConvBn folded_stem;
};

}  // namespace alchain::plugins
