// Descriptor of the mlp model plugin.
#include "alchain/sdk/plugin.hpp"
#include "mlp.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"hidden", ALCHAIN_PARAM_INT_LIST, "[256, 128]", 1, 65536, nullptr,
     "Widths of the hidden layers; the last one is the embedding."},
};
}  // namespace

ALCHAIN_MODEL_PLUGIN(alchain::plugins::Mlp, "mlp", "1.0.0",
                     "Multilayer perceptron with ReLU on flattened inputs.", kParams)
