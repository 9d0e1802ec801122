// LeNet-5 forward pass and its multiply-accumulate count.
#include "lenet5.hpp"

namespace alchain::plugins {

namespace F = torch::nn::functional;

LeNet5::LeNet5(const Params& params, const CreateContext& ctx)
    : in_channels_(ctx.input_shape.at(0)), num_classes_(ctx.num_classes) {
  if (ctx.input_shape.size() != 3 || ctx.input_shape[1] < 16 || ctx.input_shape[2] < 16)
    throw std::invalid_argument("lenet5 needs C x H x W inputs of at least 16x16");
  flat_h_ = ((ctx.input_shape[1] - 4) / 2 - 4) / 2;
  flat_w_ = ((ctx.input_shape[2] - 4) / 2 - 4) / 2;
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels_, 6, 5)));
  conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)));
  fc1 = register_module("fc1", torch::nn::Linear(16 * flat_h_ * flat_w_, 120));
  fc2 = register_module("fc2", torch::nn::Linear(120, 64));
  fc = register_module("fc", torch::nn::Linear(64, num_classes_));
  dropout = register_module("dropout", torch::nn::Dropout(params.get_float("dropout")));
}

ModelOutput LeNet5::forward(const at::Tensor& x) {
  ModelOutput out;
  torch::Tensor h = F::max_pool2d(torch::relu(conv1(x)), F::MaxPool2dFuncOptions(2));
  out.taps["conv1"] = h;
  h = F::max_pool2d(torch::relu(conv2(h)), F::MaxPool2dFuncOptions(2));
  out.taps["conv2"] = h;
  h = torch::relu(fc1(h.flatten(1)));
  out.taps["fc1"] = h;
  out.embedding = torch::relu(fc2(dropout(h)));
  out.logits = fc(dropout(out.embedding));
  return out;
}

std::int64_t LeNet5::macs(const std::vector<std::int64_t>& s) const {
  const std::int64_t h1 = s.at(1) - 4, w1 = s.at(2) - 4, h2 = h1 / 2 - 4, w2 = w1 / 2 - 4;
  return h1 * w1 * 6 * in_channels_ * 25 + h2 * w2 * 16 * 6 * 25 + 16 * flat_h_ * flat_w_ * 120 + 120 * 64 +
         64 * num_classes_;
}

}  // namespace alchain::plugins
