// LLAL: the loss-prediction head, its training loss, and scoring by predicted loss.
#include "llal.hpp"

#include <cmath>
#include <sstream>

#include "ranking_loss.hpp"

namespace alchain::plugins {

LossPredictionHead::LossPredictionHead(std::vector<std::string> taps, Form form, std::int64_t hidden, double margin,
                                       double weight, double stop_gradient_fraction)
    : taps_(std::move(taps)), form_(form), hidden_(hidden), margin_(margin), weight_(weight), stop_fraction_(stop_gradient_fraction) {}

void LossPredictionHead::reset(const std::map<std::string, std::vector<std::int64_t>>& shapes, int epochs) {
  net_ = std::make_shared<torch::nn::Module>("LossPredictionHead");
  per_tap_.clear();
  per_tap_conv_.clear();
  used_.clear();
  for (const auto& [name, shape] : shapes) {
    if (shape.empty()) throw std::runtime_error("llal: tap '" + name + "' has no feature dimension");
    used_.push_back(name);
    if (form_ == Form::dense)
      per_tap_.push_back(net_->register_module("fc_" + name, torch::nn::Linear(shape[0], hidden_)));
    else
      per_tap_conv_.push_back(
          net_->register_module("conv_" + name, torch::nn::Conv2d(torch::nn::Conv2dOptions(shape[0], hidden_, 1))));
  }
  const std::int64_t joined = hidden_ * static_cast<std::int64_t>(used_.size());
  if (form_ == Form::dense)
    out_ = net_->register_module("out", torch::nn::Linear(joined, 1));
  else
    out_conv_ = net_->register_module("out", torch::nn::Conv2d(torch::nn::Conv2dOptions(joined, 1, 1)));
  stop_epoch_ = static_cast<int>(std::floor(stop_fraction_ * epochs));
}

std::vector<at::Tensor> LossPredictionHead::parameters() { return net_ ? net_->parameters() : std::vector<at::Tensor>{}; }

void LossPredictionHead::train(bool on) {
  if (net_) net_->train(on);
}

at::Tensor LossPredictionHead::predict(const std::map<std::string, at::Tensor>& taps, bool detach) {
  if (!net_) throw std::runtime_error("llal: the loss predictor was never trained");
  std::vector<at::Tensor> features;
  for (const auto& name : used_) {
    auto it = taps.find(name);
    if (it == taps.end()) throw std::runtime_error("llal: the surrogate gave no tap '" + name + "'");
    features.push_back(detach ? it->second.detach() : it->second);
  }
  std::vector<at::Tensor> parts;
  if (form_ == Form::dense) {
    for (std::size_t i = 0; i < features.size(); ++i) {
      at::Tensor f = features[i];
      if (f.dim() > 2) f = f.flatten(2).mean(2);  // global average pooling over the spatial dims
      parts.push_back(torch::relu(per_tap_[i](f)));
    }
    return out_(torch::cat(parts, 1)).squeeze(1);
  }
  // conv: every tap at the finest tap's resolution (a [B, C] tap is one pixel, broadcast).
  std::int64_t h = 1, w = 1;
  for (const auto& f : features)
    if (f.dim() == 4 && f.size(2) * f.size(3) > h * w) h = f.size(2), w = f.size(3);
  for (std::size_t i = 0; i < features.size(); ++i) {
    at::Tensor f = features[i].dim() == 2 ? features[i].unsqueeze(2).unsqueeze(3) : features[i];
    f = torch::relu(per_tap_conv_[i](f));
    if (f.size(2) == 1 && f.size(3) == 1)
      f = f.expand({-1, -1, h, w});
    else if (f.size(2) != h || f.size(3) != w)
      f = torch::nn::functional::interpolate(f, torch::nn::functional::InterpolateFuncOptions()
                                                    .size(std::vector<std::int64_t>{h, w})
                                                    .mode(torch::kBilinear)
                                                    .align_corners(false));
    parts.push_back(f);
  }
  return out_conv_(torch::cat(parts, 1)).squeeze(1);
}

at::Tensor LossPredictionHead::loss(const ModelOutput& out, const at::Tensor& per_sample_loss, int epoch) {
  // After stop_epoch_ the backbone no longer learns from the loss predictor (the paper's epoch 120 of 200).
  at::Tensor pred = predict(out.taps, epoch >= stop_epoch_);
  if (pred.dim() > 1) pred = pred.flatten(1).mean(1);  // the image's loss is its pixels' mean
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

LossPredictionHead::Form head_form(const std::string& head, Task task) {
  if (head == "dense") return LossPredictionHead::Form::dense;
  if (head == "conv") return LossPredictionHead::Form::conv;
  if (head == "auto")
    return task == Task::segmentation ? LossPredictionHead::Form::conv : LossPredictionHead::Form::dense;
  throw std::invalid_argument("head '" + head + "': auto, dense or conv");
}
}  // namespace

LlalPolicy::LlalPolicy(const Params& params, const CreateContext& ctx)
    : head_(std::make_shared<LossPredictionHead>(split_names(params.get_string("taps")),
                                                 head_form(params.get_string("head"), ctx.task), params.get_int("hidden"),
                                                 params.get_float("margin"), params.get_float("weight"),
                                                 params.get_float("stop_gradient_fraction"))) {}

at::Tensor LlalPolicy::score(const PoolBatch& batch) { return head_->predict(batch.taps); }

}  // namespace alchain::plugins
