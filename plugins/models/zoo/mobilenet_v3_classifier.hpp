// torchvision's MobileNetV3-Small/-Large classifiers, with its parameter names (features,
// classifier.0, classifier.3), so weights exported from torchvision load by name.
#pragma once

#include <torch/torch.h>

#include "mobilenet_v3.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

class MobileNetV3Classifier : public Model {
 public:
  MobileNetV3Classifier(bool large, const Params& params, const CreateContext& ctx);
  ModelOutput forward(const at::Tensor& x) override;
  /// The input of the last linear layer: classifier.0's hard-swished output (1024 / 1280).
  std::int64_t embedding_dim() const override { return features_.classifier_width(); }
  std::int64_t macs(const std::vector<std::int64_t>& input_shape) const override;
  std::vector<std::string> tap_names() const override { return {"stride4", "stride8", "stride16", "stride32"}; }
  bool stochastic_passes_available() const override;
  void set_stochastic(bool on) override;

 private:
  zoo::MobileNetV3Features features_;
  torch::nn::Linear hidden_{nullptr}, fc_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

/// The descriptor parameters of both plugins.
extern const alchain_param_spec kMobileNetV3Params[1];

}  // namespace alchain::plugins
