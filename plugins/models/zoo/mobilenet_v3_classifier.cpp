// MobileNetV3 classifiers: torchvision's features, global average pooling, and its classifier
// Linear -> Hardswish -> Dropout -> Linear.
#include "mobilenet_v3_classifier.hpp"

#include <cmath>

#include "alchain/sdk/stochastic.hpp"

namespace alchain::plugins {

const alchain_param_spec kMobileNetV3Params[1] = {
    {"dropout", ALCHAIN_PARAM_FLOAT, "0.0", 0, 0.95, nullptr,
     "Dropout before the last linear layer (torchvision trains with 0.2; 0 = none). MC-dropout policies use it."},
};

MobileNetV3Classifier::MobileNetV3Classifier(bool large, const Params& params, const CreateContext& ctx) {
  zoo::check_image_input("mobilenet_v3", ctx.input_shape);
  features_.build(*this, large, ctx.input_shape[0], /*dilated=*/false);
  torch::nn::Sequential classifier;
  hidden_ = torch::nn::Linear(features_.channels(), features_.classifier_width());
  dropout_ = torch::nn::Dropout(params.get_float("dropout"));
  fc_ = torch::nn::Linear(features_.classifier_width(), ctx.num_classes);
  classifier->push_back(hidden_);
  classifier->push_back(torch::nn::Functional([](const at::Tensor& x) { return at::hardswish(x); }));
  classifier->push_back(dropout_);
  classifier->push_back(fc_);
  register_module("classifier", classifier);
}

ModelOutput MobileNetV3Classifier::forward(const at::Tensor& x) {
  ModelOutput out;
  std::vector<at::Tensor> taps;
  const at::Tensor f = features_.forward(x, &taps);
  const auto names = tap_names();
  for (std::size_t i = 0; i < taps.size() && i < names.size(); ++i) out.taps[names[i]] = taps[i];
  out.embedding = dropout_(at::hardswish(hidden_(f.mean({2, 3}))));
  out.logits = fc_(out.embedding);
  return out;
}

std::int64_t MobileNetV3Classifier::macs(const std::vector<std::int64_t>& s) const {
  zoo::check_image_input("mobilenet_v3", s);
  return features_.macs({s[0], s[1], s[2]}) + hidden_->options.in_features() * hidden_->options.out_features() +
         fc_->options.in_features() * fc_->options.out_features();
}

bool MobileNetV3Classifier::stochastic_passes_available() const { return has_active_dropout(*this); }
void MobileNetV3Classifier::set_stochastic(bool on) { set_dropout_active(*this, on); }

}  // namespace alchain::plugins
