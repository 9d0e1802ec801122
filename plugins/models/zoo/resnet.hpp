// ResNet-18/34/50 as torchvision builds them (parameter names included, so torchvision's
// weights load by name), with dilation in place of stride in the last stages for dense
// prediction (DeepLab: output stride 16 or 8).
#pragma once

#include <array>
#include <cstdint>

#include <torch/torch.h>

#include "layers.hpp"

namespace alchain::zoo {

/// A basic block (two 3x3) or a bottleneck (1x1, 3x3, 1x1 x4; stride on the 3x3 as torchvision
/// v1.5), with a 1x1 projection `downsample` when the shape changes.
struct ResBlockImpl : torch::nn::Module {
  ResBlockImpl(bool bottleneck, std::int64_t inplanes, std::int64_t planes, std::int64_t stride,
               std::int64_t dilation, bool downsample);
  at::Tensor forward(const at::Tensor& x);
  std::int64_t macs(Shape& s) const;

  bool bottleneck;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
  torch::nn::Conv2d projection{nullptr};  ///< downsample's convolution (for macs())
};
TORCH_MODULE(ResBlock);

/// The layers of torchvision's ResNet up to layer4, registered on an owner module under
/// torchvision's names: conv1, bn1, layer1 .. layer4.
struct ResNetLayers {
  /// depth 18, 34 or 50; output_stride 32 (classification), 16 or 8 (layer4, and for 8 also
  /// layer3, dilate instead of striding).
  void build(torch::nn::Module& owner, int depth, std::int64_t in_channels, std::int64_t output_stride);
  /// layer1 .. layer4 outputs (strides 4, 8, 16, 32 at output_stride 32).
  std::array<at::Tensor, 4> forward(const at::Tensor& x);
  /// MACs of one forward pass on `s`; `shapes` (if given) receives layer1 .. layer4's shapes.
  std::int64_t macs(Shape s, std::array<Shape, 4>* shapes = nullptr) const;
  std::int64_t channels(int layer) const { return channels_.at(static_cast<std::size_t>(layer - 1)); }

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::array<torch::nn::Sequential, 4> layer{torch::nn::Sequential{nullptr}, torch::nn::Sequential{nullptr},
                                             torch::nn::Sequential{nullptr}, torch::nn::Sequential{nullptr}};

 private:
  std::array<std::int64_t, 4> channels_{};
};

/// Parses "resnet18" etc. into the depth; throws for anything else.
int resnet_depth(const std::string& name);

}  // namespace alchain::zoo
