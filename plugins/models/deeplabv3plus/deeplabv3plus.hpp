// DeepLabv3+ (Chen et al. 2018): a backbone at output stride 16 (or 8), atrous spatial pyramid
// pooling with image pooling, and a decoder that joins the upsampled head with projected
// low-level features; logits at the input's resolution.
#pragma once

#include <array>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "alchain/sdk/model.hpp"
#include "alchain/sdk/params.hpp"
#include "zoo/backbone.hpp"

namespace alchain::plugins {

struct DeepLabOptions {
  std::string backbone = "resnet18";
  std::int64_t in_channels = 3, num_classes = 19;
  std::int64_t output_stride = 16;
  std::array<std::int64_t, 3> rates{6, 12, 18};  ///< the three dilated ASPP branches
  std::int64_t aspp_channels = 256, decoder_channels = 256, low_level_channels = 48;
  double dropout = 0.0;  ///< after ASPP's projection; also the MC-dropout passes
  std::int64_t width = 1;  ///< resnet20's width multiplier
};

/// ASPP: 1x1, three dilated 3x3 and image pooling branches, concatenated and projected.
struct AsppImpl : torch::nn::Module {
  AsppImpl(std::int64_t in, std::int64_t out, const std::array<std::int64_t, 3>& rates, double dropout);
  at::Tensor forward(const at::Tensor& x);
  std::int64_t macs(zoo::Shape s) const;

  std::array<torch::nn::Conv2d, 4> conv{torch::nn::Conv2d{nullptr}, torch::nn::Conv2d{nullptr},
                                        torch::nn::Conv2d{nullptr}, torch::nn::Conv2d{nullptr}};
  std::array<torch::nn::BatchNorm2d, 4> bn{torch::nn::BatchNorm2d{nullptr}, torch::nn::BatchNorm2d{nullptr},
                                           torch::nn::BatchNorm2d{nullptr}, torch::nn::BatchNorm2d{nullptr}};
  torch::nn::Conv2d pool_conv{nullptr}, project{nullptr};
  torch::nn::BatchNorm2d pool_bn{nullptr}, project_bn{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(Aspp);

class DeepLabV3Plus : public Model {
 public:
  explicit DeepLabV3Plus(const DeepLabOptions& o);
  DeepLabV3Plus(const Params& params, const CreateContext& ctx);
  ModelOutput forward(const at::Tensor& x) override;
  std::int64_t embedding_dim() const override { return backbone_->high_channels(); }
  std::int64_t macs(const std::vector<std::int64_t>& input_shape) const override;
  /// LLAL's four points: backbone low- and high-level features, after ASPP, before the classifier.
  std::vector<std::string> tap_names() const override { return {"low_level", "high_level", "aspp", "decoder"}; }
  bool stochastic_passes_available() const override;
  void set_stochastic(bool on) override;

 private:
  DeepLabOptions options_;
  std::unique_ptr<zoo::Backbone> backbone_;
  Aspp aspp{nullptr};
  torch::nn::Conv2d low_proj{nullptr}, decoder1{nullptr}, decoder2{nullptr}, classifier{nullptr};
  torch::nn::BatchNorm2d low_bn{nullptr}, decoder1_bn{nullptr}, decoder2_bn{nullptr};
};

}  // namespace alchain::plugins
