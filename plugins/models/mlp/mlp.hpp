// Multilayer perceptron on flattened inputs.
#pragma once

#include <torch/torch.h>

#include "alchain/sdk/model.hpp"
#include "alchain/sdk/params.hpp"
#include "alchain/sdk/stochastic.hpp"

namespace alchain::plugins {

class Mlp : public Model {
 public:
  Mlp(const Params& params, const CreateContext& ctx);
  ModelOutput forward(const at::Tensor& x) override;
  std::int64_t embedding_dim() const override { return embedding_dim_; }
  std::vector<std::string> tap_names() const override;
  std::int64_t macs(const std::vector<std::int64_t>& input_shape) const override;
  bool stochastic_passes_available() const override { return has_active_dropout(*this); }
  void set_stochastic(bool on) override { set_dropout_active(*this, on); }

 private:
  std::vector<std::int64_t> widths_;  // input, hidden..., classes
  std::int64_t embedding_dim_;
  torch::nn::ModuleList hidden{nullptr};
  torch::nn::Linear fc{nullptr};
  torch::nn::Dropout dropout{nullptr};
};

}  // namespace alchain::plugins
