// Xception-65 (DeepLab's aligned variant): separable convolutions, blocks, the three flows.
#include "xception.hpp"

#include <stdexcept>
#include <string>

namespace alchain::zoo {

SeparableConvImpl::SeparableConvImpl(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t dilation,
                                     bool act)
    : activations(act) {
  depthwise = register_module("depthwise", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, in, 3)
                                                                 .stride(stride)
                                                                 .padding(dilation)
                                                                 .dilation(dilation)
                                                                 .groups(in)
                                                                 .bias(false)));
  depthwise_bn = register_module("depthwise_bn", torch::nn::BatchNorm2d(in));
  pointwise = register_module("pointwise", conv1x1(in, out));
  pointwise_bn = register_module("pointwise_bn", torch::nn::BatchNorm2d(out));
}

at::Tensor SeparableConvImpl::forward(const at::Tensor& x) {
  at::Tensor y = depthwise_bn(depthwise(x));
  if (activations) y.relu_();
  y = pointwise_bn(pointwise(y));
  return activations ? y.relu_() : y;
}

std::int64_t SeparableConvImpl::macs(Shape& s) const { return conv_macs(depthwise, s) + conv_macs(pointwise, s); }

XceptionBlockImpl::XceptionBlockImpl(std::int64_t in, const std::array<std::int64_t, 3>& depths, Skip k,
                                     std::int64_t stride, std::int64_t dilation, bool act)
    : skip(k), activations_inside(act) {
  std::int64_t c = in;
  for (std::size_t i = 0; i < 3; ++i) {
    sep[i] = register_module("sep" + std::to_string(i), SeparableConv(c, depths[i], i == 2 ? stride : 1, dilation, act));
    c = depths[i];
  }
  if (skip == Skip::conv) {
    skip_conv = register_module("skip", conv1x1(in, depths[2], stride));
    skip_bn = register_module("skip_bn", torch::nn::BatchNorm2d(depths[2]));
  } else if (skip == Skip::sum && (in != depths[2] || stride != 1)) {
    throw std::invalid_argument("an Xception block with an identity shortcut must keep its shape");
  }
}

at::Tensor XceptionBlockImpl::forward(const at::Tensor& x, at::Tensor* second) {
  at::Tensor y = x;
  for (std::size_t i = 0; i < 3; ++i) {
    // Not in place: the first ReLU's input is the shortcut's.
    y = sep[i](activations_inside ? y : at::relu(y));
    if (i == 1 && second) *second = y;
  }
  if (skip == Skip::conv) return y + skip_bn(skip_conv(x));
  if (skip == Skip::sum) return y + x;
  return y;
}

std::int64_t XceptionBlockImpl::macs(Shape& s, Shape* second) const {
  const Shape in = s;
  std::int64_t m = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    m += sep[i]->macs(s);
    if (i == 1 && second) *second = s;
  }
  if (skip == Skip::conv) {
    Shape t = in;
    m += conv_macs(skip_conv, t);
  }
  return m;
}

void Xception65::build(torch::nn::Module& owner, std::int64_t in_channels, std::int64_t output_stride) {
  if (output_stride != 8 && output_stride != 16 && output_stride != 32)
    throw std::invalid_argument("output_stride " + std::to_string(output_stride) + ": 8, 16 or 32 for Xception-65");
  root_convs = {conv3x3(in_channels, 32, 2), conv3x3(32, 64)};
  root = owner.register_module("root", torch::nn::Sequential(root_convs[0], torch::nn::BatchNorm2d(32), torch::nn::ReLU(),
                                                             root_convs[1], torch::nn::BatchNorm2d(64), torch::nn::ReLU()));
  entry = owner.register_module("entry", torch::nn::ModuleList());
  middle = owner.register_module("middle", torch::nn::ModuleList());
  exit = owner.register_module("exit", torch::nn::ModuleList());
  // DeepLab's stack_blocks_dense: once the stride reached, a unit's stride turns into dilation
  // for the units after it.
  std::int64_t current = 2, rate = 1, channels = 64;
  auto add = [&](torch::nn::ModuleList& flow, const std::array<std::int64_t, 3>& depths, XceptionBlockImpl::Skip skip,
                 std::int64_t stride, bool act) {
    XceptionBlock b{nullptr};
    if (current == output_stride) {
      b = XceptionBlock(channels, depths, skip, 1, rate, act);
      rate *= stride;
    } else {
      b = XceptionBlock(channels, depths, skip, stride, 1, act);
      current *= stride;
    }
    flow->push_back(b);
    blocks.push_back(b);
    channels = depths[2];
  };
  using Skip = XceptionBlockImpl::Skip;
  add(entry, {128, 128, 128}, Skip::conv, 2, false);
  add(entry, {256, 256, 256}, Skip::conv, 2, false);
  add(entry, {728, 728, 728}, Skip::conv, 2, false);
  for (int i = 0; i < 16; ++i) add(middle, {728, 728, 728}, Skip::sum, 1, false);
  add(exit, {728, 1024, 1024}, Skip::conv, 2, false);
  add(exit, {1536, 1536, 2048}, Skip::none, 1, true);
}

at::Tensor Xception65::forward(const at::Tensor& x, at::Tensor* low) {
  at::Tensor y = root->forward(x);
  for (std::size_t i = 0; i < blocks.size(); ++i) y = blocks[i]->forward(y, i == 1 ? low : nullptr);
  return y;
}

std::int64_t Xception65::macs(Shape s, Shape* low, Shape* high) const {
  std::int64_t m = conv_macs(root_convs[0], s) + conv_macs(root_convs[1], s);
  for (std::size_t i = 0; i < blocks.size(); ++i) m += blocks[i]->macs(s, i == 1 ? low : nullptr);
  if (high) *high = s;
  return m;
}

}  // namespace alchain::zoo
