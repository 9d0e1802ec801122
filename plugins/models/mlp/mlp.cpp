// MLP forward pass and its multiply-accumulate count.
#include "mlp.hpp"

namespace alchain::plugins {

Mlp::Mlp(const Params& params, const CreateContext& ctx) {
  std::int64_t in = 1;
  for (auto d : ctx.input_shape) in *= d;
  widths_.push_back(in);
  hidden = register_module("hidden", torch::nn::ModuleList());
  for (auto h : params.get_int_list("hidden")) {
    hidden->push_back(torch::nn::Linear(widths_.back(), h));
    widths_.push_back(h);
  }
  embedding_dim_ = widths_.back();
  dropout = register_module("dropout", torch::nn::Dropout(params.get_float("dropout")));
  fc = register_module("fc", torch::nn::Linear(embedding_dim_, ctx.num_classes));
  widths_.push_back(ctx.num_classes);
}

ModelOutput Mlp::forward(const at::Tensor& x) {
  ModelOutput out;
  torch::Tensor h = x.flatten(1);
  for (std::size_t i = 0; i < hidden->size(); ++i) {
    h = torch::relu(hidden[i]->as<torch::nn::Linear>()->forward(h));
    out.taps["hidden" + std::to_string(i)] = h;
    h = dropout(h);
  }
  out.embedding = h;
  out.logits = fc(h);
  return out;
}

std::vector<std::string> Mlp::tap_names() const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < hidden->size(); ++i) names.push_back("hidden" + std::to_string(i));
  return names;
}

std::int64_t Mlp::macs(const std::vector<std::int64_t>&) const {
  std::int64_t total = 0;
  for (std::size_t i = 0; i + 1 < widths_.size(); ++i) total += widths_[i] * widths_[i + 1];
  return total;
}

}  // namespace alchain::plugins
