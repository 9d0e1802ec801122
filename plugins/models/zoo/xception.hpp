// Xception-65 as DeepLab modifies it (Chen et al. 2018, section 3.3, "aligned Xception"):
// every max pooling of Xception replaced by a strided depthwise-separable convolution, batch
// normalisation after every depthwise and pointwise convolution, 16 middle-flow blocks instead
// of 8. The layout follows DeepLab's own xception_65 (its TensorFlow model zoo): a root of two
// 3x3 convolutions (32 at stride 2, 64), entry flow 128/256/728 at stride 2 each, middle flow
// 16 x 728, exit flow 728-1024-1024 (stride 2) and 1536-1536-2048; strides past the requested
// output stride become dilation, as DeepLab's stack_blocks_dense does.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "layers.hpp"

namespace alchain::zoo {

/// depthwise 3x3 (stride, dilation) -> BN -> [ReLU] -> pointwise 1x1 -> BN -> [ReLU]; the ReLUs
/// only in the exit flow's last block (DeepLab's activation_fn_in_separable_conv).
struct SeparableConvImpl : torch::nn::Module {
  SeparableConvImpl(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t dilation, bool activations);
  at::Tensor forward(const at::Tensor& x);
  std::int64_t macs(Shape& s) const;
  torch::nn::Conv2d depthwise{nullptr}, pointwise{nullptr};
  torch::nn::BatchNorm2d depthwise_bn{nullptr}, pointwise_bn{nullptr};
  bool activations = false;
};
TORCH_MODULE(SeparableConv);

/// Xception's module: three separable convolutions (the stride on the last), each preceded by
/// a ReLU unless the convolutions carry their own; a shortcut that is a strided 1x1
/// convolution with BN ("conv"), the input ("sum") or absent ("none").
struct XceptionBlockImpl : torch::nn::Module {
  enum class Skip { conv, sum, none };
  XceptionBlockImpl(std::int64_t in, const std::array<std::int64_t, 3>& depths, Skip skip, std::int64_t stride,
                    std::int64_t dilation, bool activations_inside);
  /// `second` (if given) receives the second convolution's output (DeepLab's low-level tap).
  at::Tensor forward(const at::Tensor& x, at::Tensor* second = nullptr);
  std::int64_t macs(Shape& s, Shape* second = nullptr) const;
  std::array<SeparableConv, 3> sep{SeparableConv{nullptr}, SeparableConv{nullptr}, SeparableConv{nullptr}};
  torch::nn::Conv2d skip_conv{nullptr};
  torch::nn::BatchNorm2d skip_bn{nullptr};
  Skip skip;
  bool activations_inside;
};
TORCH_MODULE(XceptionBlock);

/// Xception-65 without its classifier, registered on an owner under "root", "entry", "middle"
/// and "exit" (parameter names root.0.weight, entry.0.sep1.pointwise.weight, middle.15.sep2.depthwise.weight, exit.0.skip.weight).
struct Xception65 {
  /// `output_stride` 8, 16 or 32 (32: no dilation, the original classifier's trunk).
  void build(torch::nn::Module& owner, std::int64_t in_channels, std::int64_t output_stride);
  /// The exit flow's output (2048 channels); `low` (if given) the low-level features: the second
  /// separable convolution of the entry flow's second block (256 channels, stride 4).
  at::Tensor forward(const at::Tensor& x, at::Tensor* low = nullptr);
  std::int64_t macs(Shape s, Shape* low = nullptr, Shape* high = nullptr) const;
  static constexpr std::int64_t kLowChannels = 256, kHighChannels = 2048;

  torch::nn::Sequential root{nullptr};
  torch::nn::ModuleList entry{nullptr}, middle{nullptr}, exit{nullptr};
  std::vector<torch::nn::Conv2d> root_convs;  ///< for macs()
  std::vector<XceptionBlock> blocks;          ///< entry, middle, exit in order (for forward/macs)
};

}  // namespace alchain::zoo
