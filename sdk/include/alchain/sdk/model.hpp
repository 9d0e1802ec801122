/// The model plugin interface: a LibTorch module giving logits and a penultimate embedding.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>

namespace alchain {

/// What one forward pass gives.
struct ModelOutput {
  at::Tensor logits;    ///< float32 [B, K]; segmentation (CreateContext::task): [B, K, H, W] at the input's H, W
  at::Tensor embedding; ///< float32 [B, embedding_dim()]: the input of the last linear layer
                        ///< (segmentation: the deepest features, globally average-pooled)
  /// Named intermediate features (tap_names()), as the layers produced them: [B, C, H, W] maps
  /// stay un-pooled so heads that need spatial detail (segmentation) can use them.
  std::map<std::string, at::Tensor> taps;
};

/// A model. Register submodules under stable names: they are the keys of saved checkpoints.
/// A model is made for classification, or, with ALCHAIN_FLAG_SEGMENTATION in its descriptor,
/// for segmentation; the host creates it only for datasets of that task.
/// The host creates a fresh model (after seeding LibTorch's generator) for every training round,
/// and switches train()/eval() itself.
class Model : public torch::nn::Module {
 public:
  /// Required: the forward pass.
  virtual ModelOutput forward(const at::Tensor& x) = 0;
  /// Required: width of the embedding forward() returns.
  virtual std::int64_t embedding_dim() const = 0;
  /// Required: multiply-accumulates of one forward pass on one sample of shape {C, H, W}
  /// (convolutions and linear layers), for reports and throughput figures.
  virtual std::int64_t macs(const std::vector<std::int64_t>& input_shape) const = 0;
  /// Optional: the names of the taps forward() fills, in network order.
  virtual std::vector<std::string> tap_names() const { return {}; }
  /// Optional, with ALCHAIN_FLAG_MC_DROPOUT (since 2.0): stochastic passes for MC policies and
  /// oracles. Return whether this instance, with its parameters, gives passes that differ (for
  /// dropout: some p > 0). The host checks it before MC work and refuses a model that returns
  /// true without declaring the flag.
  virtual bool stochastic_passes_available() const { return false; }
  /// Optional, with the flag: switch the stochastic part on (true) or off (false) while the rest
  /// of the model stays in eval mode. The host calls it around the MC passes, only when
  /// stochastic_passes_available(); sdk/stochastic.hpp has the helpers for dropout layers.
  virtual void set_stochastic(bool on) { (void)on; }
  /// Number of parameters (all, trainable or not).
  std::int64_t parameter_count() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
  }
};

}  // namespace alchain
