// LLAL: the loss-prediction head, its training loss, and scoring by predicted loss.
#include "llal.hpp"

#include <cmath>
#include <sstream>

#include "ranking_loss.hpp"

namespace alchain::plugins {

LossPredictionHead::LossPredictionHead(std::vector<std::string> taps, std::int64_t hidden, double margin,
                                       double weight, double stop_gradient_fraction)
    : taps_(std::move(taps)), hidden_(hidden), margin_(margin), weight_(weight), stop_fraction_(stop_gradient_fraction) {}

void LossPredictionHead::reset(const std::map<std::string, std::vector<std::int64_t>>& shapes, int epochs) {
  net_ = std::make_shared<torch::nn::Module>("LossPredictionHead");
  per_tap_.clear();
  used_.clear();
  for (const auto& [name, shape] : shapes) {
    if (shape.empty()) throw std::runtime_error("llal: tap '" + name + "' has no feature dimension");
    used_.push_back(name);
    per_tap_.push_back(net_->register_module("fc_" + name, torch::nn::Linear(shape[0], hidden_)));
  }
  out_ = net_->register_module("out", torch::nn::Linear(hidden_ * static_cast<std::int64_t>(used_.size()), 1));
  stop_epoch_ = static_cast<int>(std::floor(stop_fraction_ * epochs));
}

std::vector<at::Tensor> LossPredictionHead::parameters() { return net_ ? net_->parameters() : std::vector<at::Tensor>{}; }

void LossPredictionHead::train(bool on) {
  if (net_) net_->train(on);
}

at::Tensor LossPredictionHead::predict(const std::map<std::string, at::Tensor>& taps, bool detach) {
  if (!net_) throw std::runtime_error("llal: the loss predictor was never trained");
  std::vector<at::Tensor> parts;
  for (std::size_t i = 0; i < used_.size(); ++i) {
    auto it = taps.find(used_[i]);
    if (it == taps.end()) throw std::runtime_error("llal: the surrogate gave no tap '" + used_[i] + "'");
    at::Tensor f = detach ? it->second.detach() : it->second;
    if (f.dim() > 2) f = f.flatten(2).mean(2);  // global average pooling over the spatial dims
    parts.push_back(torch::relu(per_tap_[i](f)));
  }
  return out_(torch::cat(parts, 1)).squeeze(1);
}

at::Tensor LossPredictionHead::loss(const ModelOutput& out, const at::Tensor& per_sample_loss, int epoch) {
  // After stop_epoch_ the backbone no longer learns from the loss predictor (the paper's epoch 120 of 200).
  const at::Tensor pred = predict(out.taps, epoch >= stop_epoch_);
  return weight_ * llal_ranking_loss(pred, per_sample_loss, margin_);
}

namespace {
std::vector<std::string> split_names(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}
}  // namespace

LlalPolicy::LlalPolicy(const Params& params, const CreateContext&)
    : head_(std::make_shared<LossPredictionHead>(split_names(params.get_string("taps")), params.get_int("hidden"),
                                                 params.get_float("margin"), params.get_float("weight"),
                                                 params.get_float("stop_gradient_fraction"))) {}

at::Tensor LlalPolicy::score(const PoolBatch& batch) { return head_->predict(batch.taps); }

}  // namespace alchain::plugins
