// ResNet-20 forward pass and its multiply-accumulate count.
#include "resnet20.hpp"

namespace alchain::plugins {

namespace F = torch::nn::functional;

BasicBlockImpl::BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride_)
    : stride(stride_), extra_channels(out - in) {
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(out));
  conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).stride(1).padding(1).bias(false)));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(out));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor out;
  if (folding(*this)) {
    out = folded2(folded1(x, conv1, bn1).relu_(), conv2, bn2);
  } else {
    out = bn1(conv1(x)).relu_();
    out = bn2(conv2(out));
  }
  torch::Tensor shortcut = x;
  if (stride != 1 || extra_channels != 0) {
    using torch::indexing::Slice;
    shortcut = x.index({Slice(), Slice(), Slice(torch::indexing::None, torch::indexing::None, stride),
                        Slice(torch::indexing::None, torch::indexing::None, stride)});
    shortcut = torch::constant_pad_nd(shortcut, {0, 0, 0, 0, 0, extra_channels});
  }
  return (out + shortcut).relu_();
}

void BasicBlockImpl::train(bool on) {
  torch::nn::Module::train(on);
  folded1.reset();
  folded2.reset();
}

void ResNet20::train(bool on) {
  Model::train(on);  // and the blocks'
  folded_stem.reset();
}

ResNet20::ResNet20(const ResNet20Options& o) : options_(o) {
  const std::int64_t w = o.width();
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels(), 16 * w, 3).padding(1).bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(16 * w));
  torch::nn::Sequential seq;
  std::int64_t in = 16 * w;
  for (std::int64_t stage = 0; stage < 3; ++stage) {
    const std::int64_t out = (16 << stage) * w;
    for (int b = 0; b < 3; ++b) {
      seq->push_back(BasicBlock(in, out, (stage > 0 && b == 0) ? 2 : 1));
      in = out;
    }
  }
  layers = register_module("layers", seq);
  if (o.num_classes() > 0) fc = register_module("fc", torch::nn::Linear(64 * w, o.num_classes()));
}

ResNet20::ResNet20(const Params& params, const CreateContext& ctx)
    : ResNet20(ResNet20Options(ctx.input_shape.at(0), ctx.num_classes).width(params.get_int("width"))) {
  if (ctx.input_shape.size() != 3) throw std::invalid_argument("resnet20 needs C, H, W inputs");
}

ModelOutput ResNet20::forward(const at::Tensor& x) {
  torch::Tensor stem = folding(*this) ? folded_stem(x.contiguous(at::MemoryFormat::ChannelsLast), conv1, bn1) : bn1(conv1(x));
  torch::Tensor h = stem.relu_();
  ModelOutput out;
  for (std::size_t i = 0; i < layers->size(); ++i) {
    h = layers[i]->as<BasicBlock>()->forward(h);
    if (i % 3 == 2) out.taps["stage" + std::to_string(i / 3 + 1)] = h;
  }
  out.embedding = h.mean({2, 3});
  if (fc) out.logits = fc(out.embedding);
  return out;
}

std::int64_t ResNet20::macs(const std::vector<std::int64_t>& shape) const {
  const std::int64_t w = options_.width();
  std::int64_t h = shape.at(1), wd = shape.at(2);
  std::int64_t total = h * wd * 16 * w * shape.at(0) * 9;  // stem
  std::int64_t in = 16 * w;
  for (std::int64_t stage = 0; stage < 3; ++stage) {
    const std::int64_t out = (16 << stage) * w;
    for (int b = 0; b < 3; ++b) {
      if (stage > 0 && b == 0) {
        h = (h + 1) / 2;
        wd = (wd + 1) / 2;
      }
      total += h * wd * out * in * 9 + h * wd * out * out * 9;
      in = out;
    }
  }
  return total + 64 * w * options_.num_classes();
}

}  // namespace alchain::plugins
