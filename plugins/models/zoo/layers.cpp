// Convolution helpers of the model zoo.
#include "layers.hpp"

#include <stdexcept>
#include <string>

namespace alchain::zoo {

torch::nn::Conv2d conv3x3(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t dilation) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(dilation).dilation(dilation).bias(false));
}

torch::nn::Conv2d conv1x1(std::int64_t in, std::int64_t out, std::int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

std::int64_t conv_macs(const torch::nn::Conv2d& conv, Shape& s) {
  const auto& o = conv->options;
  const auto& k = *o.kernel_size();
  const auto& st = *o.stride();
  const auto& d = *o.dilation();
  const auto& p = c10::get<torch::ExpandingArray<2>>(o.padding());
  const std::int64_t h = (s.h + 2 * (*p)[0] - d[0] * (k[0] - 1) - 1) / st[0] + 1;
  const std::int64_t w = (s.w + 2 * (*p)[1] - d[1] * (k[1] - 1) - 1) / st[1] + 1;
  const std::int64_t macs = h * w * o.out_channels() * (o.in_channels() / o.groups()) * k[0] * k[1];
  s = {o.out_channels(), h, w};
  return macs;
}

at::Tensor resize_bilinear(const at::Tensor& x, std::int64_t h, std::int64_t w) {
  if (x.size(2) == h && x.size(3) == w) return x;
  return torch::nn::functional::interpolate(
      x, torch::nn::functional::InterpolateFuncOptions().size(std::vector<std::int64_t>{h, w}).mode(torch::kBilinear).align_corners(false));
}

at::Tensor FoldedConvBn::operator()(const at::Tensor& x, torch::nn::Conv2d& conv, torch::nn::BatchNorm2d& bn) {
  const std::int64_t version = conv->weight._version() + (conv->bias.defined() ? conv->bias._version() : 0) +
                               bn->weight._version() + bn->bias._version() + bn->running_mean._version() +
                               bn->running_var._version();
  if (version != version_ || !weight_.defined() || weight_.device() != conv->weight.device()) {
    const at::Tensor scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
    weight_ = (conv->weight * scale.view({-1, 1, 1, 1})).contiguous(at::MemoryFormat::ChannelsLast);
    bias_ = bn->bias - bn->running_mean * scale;
    if (conv->bias.defined()) bias_ = bias_ + conv->bias * scale;
    version_ = version;
  }
  const auto& o = conv->options;
  return torch::conv2d(x, weight_, bias_, *o.stride(), c10::get<torch::ExpandingArray<2>>(o.padding()), *o.dilation(),
                       o.groups());
}

void check_image_input(const char* model, const std::vector<std::int64_t>& s) {
  if (s.size() != 3 || s[0] < 1 || s[1] < 1 || s[2] < 1)
    throw std::invalid_argument(std::string(model) + " needs image inputs C, H, W");
}

}  // namespace alchain::zoo
