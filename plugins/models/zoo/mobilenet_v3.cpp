// torchvision's MobileNetV3 features: squeeze-and-excitation, inverted residuals, the two tables.
#include "mobilenet_v3.hpp"

#include <stdexcept>

namespace alchain::zoo {

namespace {

/// torchvision's _make_divisible(v, 8).
std::int64_t make_divisible(double v, std::int64_t divisor = 8) {
  std::int64_t n = std::max<std::int64_t>(divisor, static_cast<std::int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (static_cast<double>(n) < 0.9 * v) n += divisor;
  return n;
}

at::Tensor hardswish_fn(const at::Tensor& x) { return at::hardswish(x); }
at::Tensor relu_fn(const at::Tensor& x) { return at::relu(x); }

/// torchvision's Conv2dNormActivation: conv ("0", no bias), BatchNorm (eps 1e-3, momentum 0.01,
/// "1"), then the activation ("2") unless `act` is 0 (1: ReLU, 2: hard-swish).
ConvBNAct conv_bn_act(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                                  std::int64_t dilation, std::int64_t groups, int act, torch::nn::Conv2d* conv) {
  *conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                .stride(stride)
                                .padding((kernel - 1) / 2 * dilation)
                                .dilation(dilation)
                                .groups(groups)
                                .bias(false));
  ConvBNAct seq;
  seq->push_back(*conv);
  seq->push_back(torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(1e-3).momentum(0.01)));
  if (act == 1) seq->push_back(torch::nn::Functional(relu_fn));
  if (act == 2) seq->push_back(torch::nn::Functional(hardswish_fn));
  return seq;
}

// torchvision's _mobilenet_v3_conf: in, kernel, expanded, out, SE, activation, stride, dilation.
const std::vector<BottleneckConfig> kSmall = {
    {16, 3, 16, 16, true, false, 2, 1},   {16, 3, 72, 24, false, false, 2, 1},  {24, 3, 88, 24, false, false, 1, 1},
    {24, 5, 96, 40, true, true, 2, 1},    {40, 5, 240, 40, true, true, 1, 1},   {40, 5, 240, 40, true, true, 1, 1},
    {40, 5, 120, 48, true, true, 1, 1},   {48, 5, 144, 48, true, true, 1, 1},   {48, 5, 288, 96, true, true, 2, 1},
    {96, 5, 576, 96, true, true, 1, 1},   {96, 5, 576, 96, true, true, 1, 1}};
const std::vector<BottleneckConfig> kLarge = {
    {16, 3, 16, 16, false, false, 1, 1},   {16, 3, 64, 24, false, false, 2, 1},   {24, 3, 72, 24, false, false, 1, 1},
    {24, 5, 72, 40, true, false, 2, 1},    {40, 5, 120, 40, true, false, 1, 1},   {40, 5, 120, 40, true, false, 1, 1},
    {40, 3, 240, 80, false, true, 2, 1},   {80, 3, 200, 80, false, true, 1, 1},   {80, 3, 184, 80, false, true, 1, 1},
    {80, 3, 184, 80, false, true, 1, 1},   {80, 3, 480, 112, true, true, 1, 1},   {112, 3, 672, 112, true, true, 1, 1},
    {112, 5, 672, 160, true, true, 2, 1},  {160, 5, 960, 160, true, true, 1, 1},  {160, 5, 960, 160, true, true, 1, 1}};

}  // namespace

SqueezeExcitationImpl::SqueezeExcitationImpl(std::int64_t channels, std::int64_t squeeze) {
  fc1 = register_module("fc1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeeze, 1)));
  fc2 = register_module("fc2", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeeze, channels, 1)));
}

at::Tensor SqueezeExcitationImpl::forward(const at::Tensor& x) {
  at::Tensor s = x.mean({2, 3}, /*keepdim=*/true);
  s = at::hardsigmoid(fc2(fc1(s).relu_()));
  return x * s;
}

InvertedResidualImpl::InvertedResidualImpl(const BottleneckConfig& c) {
  residual = c.stride == 1 && c.in == c.out;
  const int act = c.hardswish ? 2 : 1;
  block = torch::nn::Sequential();
  torch::nn::Conv2d conv{nullptr};
  if (c.expanded != c.in) {
    block->push_back(conv_bn_act(c.in, c.expanded, 1, 1, 1, 1, act, &conv));
    convs.push_back(conv);
  }
  const std::int64_t stride = c.dilation > 1 ? 1 : c.stride;
  block->push_back(conv_bn_act(c.expanded, c.expanded, c.kernel, stride, c.dilation, c.expanded, act, &conv));
  convs.push_back(conv);
  if (c.se) {
    se = SqueezeExcitation(c.expanded, make_divisible(static_cast<double>(c.expanded / 4)));
    block->push_back(se);
  }
  block->push_back(conv_bn_act(c.expanded, c.out, 1, 1, 1, 1, 0, &conv));
  convs.push_back(conv);
  register_module("block", block);
}

at::Tensor InvertedResidualImpl::forward(const at::Tensor& x) {
  at::Tensor y = block->forward(x);
  return residual ? y + x : y;
}

std::int64_t InvertedResidualImpl::macs(Shape& s) const {
  std::int64_t m = 0;
  for (std::size_t i = 0; i < convs.size(); ++i) {
    m += conv_macs(convs[i], s);
    // SE sits between the depthwise and the projection: two 1x1 convolutions on a 1x1 map.
    if (se && i + 2 == convs.size()) {
      m += 2 * se->fc1->options.in_channels() * se->fc1->options.out_channels();
    }
  }
  return m;
}

bool mobilenet_v3_is_large(const std::string& name) {
  if (name == "mobilenet_v3_small") return false;
  if (name == "mobilenet_v3_large") return true;
  throw std::invalid_argument("unknown MobileNetV3 '" + name + "' (mobilenet_v3_small, mobilenet_v3_large)");
}

void MobileNetV3Features::build(torch::nn::Module& owner, bool large, std::int64_t in_channels, bool dilated) {
  large_ = large;
  std::vector<BottleneckConfig> table = large ? kLarge : kSmall;
  // torchvision's `dilated`: the last stage (from its strided block on) at dilation 2.
  const std::size_t last_stage = large ? 12 : 8;
  if (dilated)
    for (std::size_t i = last_stage; i < table.size(); ++i) table[i].dilation = 2;
  features = torch::nn::Sequential();
  first_seq_ = conv_bn_act(in_channels, table[0].in, 3, 2, 1, 1, 2, &first_);
  features->push_back(first_seq_);
  blocks_.clear();
  tap_block_.clear();
  tap_channels_.clear();
  std::int64_t stride = 2;
  for (std::size_t i = 0; i < table.size(); ++i) {
    blocks_.push_back(InvertedResidual(table[i]));
    features->push_back(blocks_.back());
    stride *= table[i].stride;
    // A tap at the last block of each stride from 4 on: where a decoder or LLAL reads.
    if (i + 1 < table.size() && table[i + 1].stride == 2 && stride >= 4) {
      tap_block_.push_back(i);
      tap_channels_.push_back(table[i].out);
    }
  }
  last_channels_ = 6 * table.back().out;
  last_seq_ = conv_bn_act(table.back().out, last_channels_, 1, 1, 1, 1, 2, &last_);
  features->push_back(last_seq_);
  tap_channels_.push_back(last_channels_);
  owner.register_module("features", features);
}

at::Tensor MobileNetV3Features::forward(const at::Tensor& x, std::vector<at::Tensor>* taps) {
  at::Tensor h = first_seq_->forward(x);
  std::size_t next = 0;
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    h = blocks_[b]->forward(h);
    if (taps && next < tap_block_.size() && tap_block_[next] == b) {
      taps->push_back(h);
      ++next;
    }
  }
  h = last_seq_->forward(h);
  if (taps) taps->push_back(h);
  return h;
}

std::int64_t MobileNetV3Features::macs(Shape s, std::vector<Shape>* taps) const {
  std::int64_t m = conv_macs(first_, s);
  std::size_t next = 0;
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    m += blocks_[b]->macs(s);
    if (taps && next < tap_block_.size() && tap_block_[next] == b) {
      taps->push_back(s);
      ++next;
    }
  }
  m += conv_macs(last_, s);
  if (taps) taps->push_back(s);
  return m;
}

}  // namespace alchain::zoo
