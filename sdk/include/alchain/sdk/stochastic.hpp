/// Helpers for models whose stochastic passes are MC dropout (Model::set_stochastic).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>

namespace alchain {

/// Whether `module` holds a dropout layer with p > 0 (a model's stochastic_passes_available()).
inline bool has_active_dropout(const torch::nn::Module& module) {
  for (const auto& m : module.modules(/*include_self=*/false))
    if (const auto* d = dynamic_cast<const torch::nn::DropoutImpl*>(m.get()); d && d->options.p() > 0) return true;
  return false;
}

/// Puts every dropout layer of `module` in training mode (on) or eval mode (off), leaving the
/// other layers (batch norm above all) as they are: a model's set_stochastic().
inline void set_dropout_active(torch::nn::Module& module, bool on) {
  for (const auto& m : module.modules(/*include_self=*/false))
    if (auto* d = dynamic_cast<torch::nn::DropoutImpl*>(m.get())) d->train(on);
}

}  // namespace alchain
