// Backbones for dense prediction: low-level features for a decoder and high-level features
// for the head, from torchvision's ResNets (at output stride 16 or 8), its MobileNetV3s (16),
// DeepLab's Xception-65 (16 or 8) or CIFAR's ResNet-20.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <torch/torch.h>

#include "layers.hpp"

namespace alchain::zoo {

class Backbone {
 public:
  virtual ~Backbone() = default;
  /// The module its owner registers as "backbone" (parameter names backbone.conv1, ...).
  virtual std::shared_ptr<torch::nn::Module> module() const = 0;
  /// Low-level features (for the decoder) and high-level features (for the head).
  virtual std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x) = 0;
  virtual std::int64_t low_channels() const = 0;
  virtual std::int64_t high_channels() const = 0;
  /// MACs of one forward pass on `in`; `low` and `high` receive the features' shapes.
  virtual std::int64_t macs(const Shape& in, Shape& low, Shape& high) const = 0;
};

/// resnet18/34/50: torchvision's layers; low = layer1 (stride 4), high = layer4 at
/// `output_stride` 16 or 8. resnet20: CIFAR's ResNet-20 at `width`; low = stage2 (stride 2),
/// high = stage3 (stride 4, whatever `output_stride` says: it has no further stage).
/// mobilenet_v3_small/large: torchvision's features (module "features"); low = the last block
/// at stride 4 (16 / 24 channels), high = the last 1x1 convolution (576 / 960), output stride 16.
/// xception65: DeepLab's aligned Xception-65; low = the entry flow's second block's second
/// separable convolution (256, stride 4), high = the exit flow (2048) at output stride 16 or 8.
std::unique_ptr<Backbone> make_backbone(const std::string& name, std::int64_t in_channels,
                                        std::int64_t output_stride, std::int64_t width);

}  // namespace alchain::zoo
