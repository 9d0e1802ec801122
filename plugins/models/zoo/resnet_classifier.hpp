// torchvision's ResNet-18/34/50 classifiers: the same parameter names (conv1, bn1, layer1..4,
// fc), so weights exported from torchvision load by name.
#pragma once

#include <torch/torch.h>

#include "resnet.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

class ResNetClassifier : public Model {
 public:
  /// depth 18, 34 or 50, for `in_channels` x H x W inputs and `num_classes` classes.
  ResNetClassifier(int depth, std::int64_t in_channels, std::int64_t num_classes);
  ResNetClassifier(int depth, const Params& params, const CreateContext& ctx);
  ModelOutput forward(const at::Tensor& x) override;
  std::int64_t embedding_dim() const override { return layers_.channels(4); }
  std::int64_t macs(const std::vector<std::int64_t>& input_shape) const override;
  std::vector<std::string> tap_names() const override { return {"layer1", "layer2", "layer3", "layer4"}; }

 private:
  zoo::ResNetLayers layers_;
  torch::nn::Linear fc{nullptr};
};

}  // namespace alchain::plugins
