// MobileNetV3-Small and -Large as torchvision builds them (Howard et al. 2019): the `features`
// sequence of inverted residuals with squeeze-and-excitation and hard-swish, under torchvision's
// parameter names (features.<i>.block.<j>...), so its weights load by name; the last stage
// dilated instead of strided for dense prediction (output stride 16), as torchvision's
// DeepLabv3 does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "layers.hpp"

namespace alchain::zoo {

/// torchvision's Conv2dNormActivation: a Sequential (children "0" conv, "1" BatchNorm, "2" the
/// activation) with a plain forward, so it can sit inside another Sequential.
struct ConvBNActImpl : torch::nn::SequentialImpl {
  using SequentialImpl::SequentialImpl;
  at::Tensor forward(const at::Tensor& x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(ConvBNAct);

/// Squeeze-and-excitation: x * hardsigmoid(fc2(relu(fc1(avgpool(x))))).
struct SqueezeExcitationImpl : torch::nn::Module {
  SqueezeExcitationImpl(std::int64_t channels, std::int64_t squeeze);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Conv2d fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(SqueezeExcitation);

/// One row of the architecture table (torchvision's InvertedResidualConfig at width 1).
struct BottleneckConfig {
  std::int64_t in, kernel, expanded, out;
  bool se, hardswish;
  std::int64_t stride, dilation;
};

/// Expand (1x1, unless expanded == in), depthwise (k x k), optional SE, project (1x1, no
/// activation), a residual when the stride is 1 and the shape is kept.
struct InvertedResidualImpl : torch::nn::Module {
  explicit InvertedResidualImpl(const BottleneckConfig& c);
  at::Tensor forward(const at::Tensor& x);
  std::int64_t macs(Shape& s) const;
  torch::nn::Sequential block{nullptr};
  bool residual = false;
  std::vector<torch::nn::Conv2d> convs;  ///< expand, depthwise, project (for macs())
  SqueezeExcitation se{nullptr};
};
TORCH_MODULE(InvertedResidual);

/// torchvision's MobileNetV3 `features`, registered on an owner module as "features".
struct MobileNetV3Features {
  /// `large` or small; `dilated`: the last stage at dilation 2, stride 1 (output stride 16).
  void build(torch::nn::Module& owner, bool large, std::int64_t in_channels, bool dilated);
  /// The last layer's output; `taps` (if given) receives the output of the last block at each
  /// stride 4, 8 and 16, then the last layer's (stride 32, or 16 dilated): four maps.
  at::Tensor forward(const at::Tensor& x, std::vector<at::Tensor>* taps = nullptr);
  /// MACs of one pass on `s`; `taps` (if given) receives the shapes forward() would tap.
  std::int64_t macs(Shape s, std::vector<Shape>* taps = nullptr) const;
  std::int64_t channels() const { return last_channels_; }       ///< the last 1x1 convolution's (576 / 960)
  std::int64_t tap_channels(std::size_t i) const { return tap_channels_.at(i); }
  std::int64_t classifier_width() const { return large_ ? 1280 : 1024; }

  torch::nn::Sequential features{nullptr};

 private:
  bool large_ = false;
  torch::nn::Conv2d first_{nullptr}, last_{nullptr};
  ConvBNAct first_seq_{nullptr}, last_seq_{nullptr};
  std::vector<InvertedResidual> blocks_;
  std::vector<std::size_t> tap_block_;  ///< the block whose output each tap (but the last) is
  std::vector<std::int64_t> tap_channels_;
  std::int64_t last_channels_ = 0;
};

/// "mobilenet_v3_small" -> false, "mobilenet_v3_large" -> true; throws for anything else.
bool mobilenet_v3_is_large(const std::string& name);

}  // namespace alchain::zoo
