// torchvision's ResNet: blocks, layers, and their multiply-accumulates.
#include "resnet.hpp"

#include <stdexcept>
#include <string>

namespace alchain::zoo {

ResBlockImpl::ResBlockImpl(bool bottleneck_, std::int64_t inplanes, std::int64_t planes, std::int64_t stride,
                           std::int64_t dilation, bool with_downsample)
    : bottleneck(bottleneck_) {
  const std::int64_t out = bottleneck ? planes * 4 : planes;
  if (bottleneck) {
    conv1 = register_module("conv1", conv1x1(inplanes, planes));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes, stride, dilation));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    conv3 = register_module("conv3", conv1x1(planes, out));
    bn3 = register_module("bn3", torch::nn::BatchNorm2d(out));
  } else {
    conv1 = register_module("conv1", conv3x3(inplanes, planes, stride, dilation));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes, 1, dilation));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
  }
  if (with_downsample) {
    projection = conv1x1(inplanes, out, stride);
    downsample = register_module("downsample", torch::nn::Sequential(projection, torch::nn::BatchNorm2d(out)));
  }
}

at::Tensor ResBlockImpl::forward(const at::Tensor& x) {
  at::Tensor h = bn1(conv1(x)).relu_();
  h = bn2(conv2(h));
  if (bottleneck) h = bn3(conv3(h.relu_()));
  return (h + (downsample ? downsample->forward(x) : x)).relu_();
}

std::int64_t ResBlockImpl::macs(Shape& s) const {
  Shape in = s;
  std::int64_t m = conv_macs(conv1, s) + conv_macs(conv2, s);
  if (bottleneck) m += conv_macs(conv3, s);
  if (downsample) m += conv_macs(projection, in);
  return m;
}

int resnet_depth(const std::string& name) {
  if (name == "resnet18") return 18;
  if (name == "resnet34") return 34;
  if (name == "resnet50") return 50;
  throw std::invalid_argument("unknown ResNet '" + name + "' (resnet18, resnet34, resnet50)");
}

void ResNetLayers::build(torch::nn::Module& owner, int depth, std::int64_t in_channels, std::int64_t output_stride) {
  std::array<int, 4> blocks;
  bool bottleneck = false;
  switch (depth) {
    case 18: blocks = {2, 2, 2, 2}; break;
    case 34: blocks = {3, 4, 6, 3}; break;
    case 50: blocks = {3, 4, 6, 3}; bottleneck = true; break;
    default: throw std::invalid_argument("ResNet depth " + std::to_string(depth) + " (18, 34 or 50)");
  }
  if (output_stride != 8 && output_stride != 16 && output_stride != 32)
    throw std::invalid_argument("output_stride " + std::to_string(output_stride) + " (8, 16 or 32)");
  const std::int64_t expansion = bottleneck ? 4 : 1;
  conv1 = owner.register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, 64, 7).stride(2).padding(3).bias(false)));
  bn1 = owner.register_module("bn1", torch::nn::BatchNorm2d(64));
  std::int64_t inplanes = 64, dilation = 1;
  // torchvision's replace_stride_with_dilation: [layer2, layer3, layer4].
  const std::array<bool, 4> dilate = {false, false, output_stride == 8, output_stride <= 16};
  for (int i = 0; i < 4; ++i) {
    const std::int64_t planes = 64 << i;
    std::int64_t stride = i == 0 ? 1 : 2;
    const std::int64_t previous_dilation = dilation;
    if (dilate[static_cast<std::size_t>(i)]) {
      dilation *= stride;
      stride = 1;
    }
    torch::nn::Sequential seq;
    const bool project = stride != 1 || inplanes != planes * expansion;
    seq->push_back(ResBlock(bottleneck, inplanes, planes, stride, previous_dilation, project));
    inplanes = planes * expansion;
    for (int b = 1; b < blocks[static_cast<std::size_t>(i)]; ++b)
      seq->push_back(ResBlock(bottleneck, inplanes, planes, 1, dilation, false));
    layer[static_cast<std::size_t>(i)] = owner.register_module("layer" + std::to_string(i + 1), seq);
    channels_[static_cast<std::size_t>(i)] = inplanes;
  }
}

std::array<at::Tensor, 4> ResNetLayers::forward(const at::Tensor& x) {
  at::Tensor h = bn1(conv1(x)).relu_();
  h = torch::max_pool2d(h, 3, 2, 1);
  std::array<at::Tensor, 4> out;
  for (std::size_t i = 0; i < 4; ++i) {
    h = layer[i]->forward(h);
    out[i] = h;
  }
  return out;
}

std::int64_t ResNetLayers::macs(Shape s, std::array<Shape, 4>* shapes) const {
  std::int64_t m = conv_macs(conv1, s);
  s.h = (s.h + 2 - 3) / 2 + 1;  // max pool 3, stride 2, padding 1
  s.w = (s.w + 2 - 3) / 2 + 1;
  for (std::size_t i = 0; i < 4; ++i) {
    for (const auto& block : *layer[i]) m += block.ptr()->as<ResBlockImpl>()->macs(s);
    if (shapes) (*shapes)[i] = s;
  }
  return m;
}

}  // namespace alchain::zoo
