// Building blocks shared by the model zoo (ResNet-18/34/50, DeepLabv3+): convolutions as
// torchvision builds them, and the multiply-accumulate count of a convolution on a shape.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace alchain::zoo {

/// One feature map's channels, height and width (no batch).
struct Shape {
  std::int64_t c = 0, h = 0, w = 0;
};

/// 3x3 convolution without bias, padding = dilation (the spatial size is kept at stride 1).
torch::nn::Conv2d conv3x3(std::int64_t in, std::int64_t out, std::int64_t stride = 1, std::int64_t dilation = 1);
/// 1x1 convolution without bias.
torch::nn::Conv2d conv1x1(std::int64_t in, std::int64_t out, std::int64_t stride = 1);

/// Multiply-accumulates of `conv` on an input of shape `s`; `s` becomes the output's shape.
std::int64_t conv_macs(const torch::nn::Conv2d& conv, Shape& s);

/// Bilinear resize of [B, C, H, W] to (h, w), align_corners = false (as torchvision's heads).
at::Tensor resize_bilinear(const at::Tensor& x, std::int64_t h, std::int64_t w);

/// conv + eval-mode batch norm folded into one convolution, for inference only: a batch-norm pass
/// over the activations is pure memory traffic. Honours the convolution's stride, padding,
/// dilation, groups and bias. The folded weights (channels-last) are cached until reset(), and
/// recomputed when a parameter's version counter moved (copy_(), loading) or its device changed.
/// Version counters alone miss training: LibTorch's optimisers write through .data() and batch
/// norm updates its running statistics in its kernel, neither moving a counter. So the owning
/// module calls reset() from its train() override (train() and eval() both pass there).
class FoldedConvBn {
 public:
  at::Tensor operator()(const at::Tensor& x, torch::nn::Conv2d& conv, torch::nn::BatchNorm2d& bn);
  void reset() {
    weight_ = at::Tensor();
    bias_ = at::Tensor();
  }

 private:
  at::Tensor weight_, bias_;
  std::int64_t version_ = -1;
};

/// True when forward() may use folded convolutions: eval mode under c10::InferenceMode.
inline bool folding(const torch::nn::Module& m) { return !m.is_training() && c10::InferenceMode::is_enabled(); }

/// Throws unless the input shape is C, H, W with every entry >= 1.
void check_image_input(const char* model, const std::vector<std::int64_t>& input_shape);

}  // namespace alchain::zoo
