// LeNet-5-like CNN: conv5(6)-pool-conv5(16)-pool-fc120-fc64-fc, ReLU and max-pooling.
#pragma once

#include <torch/torch.h>

#include "alchain/sdk/model.hpp"
#include "alchain/sdk/params.hpp"
#include "alchain/sdk/stochastic.hpp"

namespace alchain::plugins {

class LeNet5 : public Model {
 public:
  LeNet5(const Params& params, const CreateContext& ctx);
  ModelOutput forward(const at::Tensor& x) override;
  std::int64_t embedding_dim() const override { return 64; }
  std::vector<std::string> tap_names() const override { return {"conv1", "conv2", "fc1"}; }
  std::int64_t macs(const std::vector<std::int64_t>& input_shape) const override;
  bool stochastic_passes_available() const override { return has_active_dropout(*this); }
  void set_stochastic(bool on) override { set_dropout_active(*this, on); }

 private:
  std::int64_t in_channels_, num_classes_, flat_h_, flat_w_;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc{nullptr};
  torch::nn::Dropout dropout{nullptr};
};

}  // namespace alchain::plugins
