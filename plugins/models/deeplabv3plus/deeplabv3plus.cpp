// DeepLabv3+ forward pass and its multiply-accumulate count.
#include "deeplabv3plus.hpp"

#include <stdexcept>

#include "alchain/sdk/stochastic.hpp"

namespace alchain::plugins {

using zoo::conv1x1;
using zoo::conv3x3;
using zoo::conv_macs;
using zoo::Shape;

AsppImpl::AsppImpl(std::int64_t in, std::int64_t out, const std::array<std::int64_t, 3>& rates, double p) {
  for (std::size_t i = 0; i < 4; ++i) {
    conv[i] = register_module("conv" + std::to_string(i), i == 0 ? conv1x1(in, out) : conv3x3(in, out, 1, rates[i - 1]));
    bn[i] = register_module("bn" + std::to_string(i), torch::nn::BatchNorm2d(out));
  }
  pool_conv = register_module("pool_conv", conv1x1(in, out));
  pool_bn = register_module("pool_bn", torch::nn::BatchNorm2d(out));
  project = register_module("project", conv1x1(5 * out, out));
  project_bn = register_module("project_bn", torch::nn::BatchNorm2d(out));
  dropout = register_module("dropout", torch::nn::Dropout(p));
}

at::Tensor AsppImpl::forward(const at::Tensor& x) {
  std::vector<at::Tensor> branches;
  for (std::size_t i = 0; i < 4; ++i) branches.push_back(bn[i](conv[i](x)).relu_());
  const at::Tensor pooled = pool_bn(pool_conv(x.mean({2, 3}, /*keepdim=*/true))).relu_();
  branches.push_back(pooled.expand({-1, -1, x.size(2), x.size(3)}));
  return dropout(project_bn(project(torch::cat(branches, 1))).relu_());
}

std::int64_t AsppImpl::macs(Shape s) const {
  std::int64_t m = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    Shape t = s;
    m += conv_macs(conv[i], t);
  }
  Shape one{s.c, 1, 1};
  m += conv_macs(pool_conv, one);
  Shape cat{5 * project->options.out_channels(), s.h, s.w};
  return m + conv_macs(project, cat);
}

DeepLabV3Plus::DeepLabV3Plus(const DeepLabOptions& o)
    : options_(o), backbone_(zoo::make_backbone(o.backbone, o.in_channels, o.output_stride, o.width)) {
  register_module("backbone", backbone_->module());
  aspp = register_module("aspp", Aspp(backbone_->high_channels(), o.aspp_channels, o.rates, o.dropout));
  low_proj = register_module("low_proj", conv1x1(backbone_->low_channels(), o.low_level_channels));
  low_bn = register_module("low_bn", torch::nn::BatchNorm2d(o.low_level_channels));
  decoder1 = register_module("decoder1", conv3x3(o.aspp_channels + o.low_level_channels, o.decoder_channels));
  decoder1_bn = register_module("decoder1_bn", torch::nn::BatchNorm2d(o.decoder_channels));
  decoder2 = register_module("decoder2", conv3x3(o.decoder_channels, o.decoder_channels));
  decoder2_bn = register_module("decoder2_bn", torch::nn::BatchNorm2d(o.decoder_channels));
  classifier = register_module("classifier", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.decoder_channels, o.num_classes, 1)));
  // Channels-last (NHWC) weights and activations: oneDNN's convolutions skip their layout
  // reorders, about 1.15-1.2x when scoring and a few per cent when training at 128x256
  // (docs/performance.md). Values are unchanged; copy_() into a parameter keeps its layout.
  torch::NoGradGuard no_grad;
  for (at::Tensor& p : parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

namespace {
DeepLabOptions options_from(const Params& params, const CreateContext& ctx) {
  zoo::check_image_input("deeplabv3plus", ctx.input_shape);
  DeepLabOptions o;
  o.backbone = params.get_string("backbone");
  o.in_channels = ctx.input_shape[0];
  o.num_classes = ctx.num_classes;
  o.output_stride = params.get_int("output_stride");
  const auto& rates = params.get_int_list("aspp_rates");
  if (rates.size() != 3) throw std::invalid_argument("aspp_rates: three dilation rates, e.g. [6, 12, 18]");
  o.rates = {rates[0], rates[1], rates[2]};
  o.aspp_channels = params.get_int("aspp_channels");
  o.decoder_channels = params.get_int("decoder_channels");
  o.low_level_channels = params.get_int("low_level_channels");
  o.dropout = params.get_float("dropout");
  o.width = params.get_int("width");
  return o;
}
}  // namespace

DeepLabV3Plus::DeepLabV3Plus(const Params& params, const CreateContext& ctx)
    : DeepLabV3Plus(options_from(params, ctx)) {}

ModelOutput DeepLabV3Plus::forward(const at::Tensor& x) {
  ModelOutput out;
  auto [low, high] = backbone_->forward(x.contiguous(at::MemoryFormat::ChannelsLast));
  const at::Tensor head = aspp(high);
  const at::Tensor l = low_bn(low_proj(low)).relu_();
  at::Tensor d = torch::cat({zoo::resize_bilinear(head, l.size(2), l.size(3)), l}, 1);
  d = decoder1_bn(decoder1(d)).relu_();
  d = decoder2_bn(decoder2(d)).relu_();
  // Logits go back to the standard layout: policies, losses and metrics may view them flat.
  out.logits = zoo::resize_bilinear(classifier(d).contiguous(), x.size(2), x.size(3));
  out.embedding = high.mean({2, 3});
  out.taps["low_level"] = low;
  out.taps["high_level"] = high;
  out.taps["aspp"] = head;
  out.taps["decoder"] = d;
  return out;
}

std::int64_t DeepLabV3Plus::macs(const std::vector<std::int64_t>& shape) const {
  zoo::check_image_input("deeplabv3plus", shape);
  Shape low, high;
  std::int64_t m = backbone_->macs({shape[0], shape[1], shape[2]}, low, high);
  m += aspp->macs(high);
  m += conv_macs(low_proj, low);
  Shape d{options_.aspp_channels + options_.low_level_channels, low.h, low.w};
  m += conv_macs(decoder1, d) + conv_macs(decoder2, d) + conv_macs(classifier, d);
  return m;
}

bool DeepLabV3Plus::stochastic_passes_available() const { return has_active_dropout(*this); }
void DeepLabV3Plus::set_stochastic(bool on) { set_dropout_active(*this, on); }

}  // namespace alchain::plugins
