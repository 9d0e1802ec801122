// ResNet classifiers: torchvision's layers, global average pooling, one linear layer.
#include "resnet_classifier.hpp"

namespace alchain::plugins {

ResNetClassifier::ResNetClassifier(int depth, std::int64_t in_channels, std::int64_t num_classes) {
  layers_.build(*this, depth, in_channels, 32);
  fc = register_module("fc", torch::nn::Linear(layers_.channels(4), num_classes));
}

ResNetClassifier::ResNetClassifier(int depth, const Params&, const CreateContext& ctx)
    : ResNetClassifier(depth, (zoo::check_image_input("resnet", ctx.input_shape), ctx.input_shape[0]), ctx.num_classes) {}

ModelOutput ResNetClassifier::forward(const at::Tensor& x) {
  ModelOutput out;
  const auto f = layers_.forward(x);
  for (std::size_t i = 0; i < 4; ++i) out.taps["layer" + std::to_string(i + 1)] = f[i];
  out.embedding = f[3].mean({2, 3});
  out.logits = fc(out.embedding);
  return out;
}

std::int64_t ResNetClassifier::macs(const std::vector<std::int64_t>& s) const {
  zoo::check_image_input("resnet", s);
  return layers_.macs({s[0], s[1], s[2]}) + fc->options.in_features() * fc->options.out_features();
}

}  // namespace alchain::plugins
