// Descriptor of the mlp model plugin.
#include "alchain/sdk/plugin.hpp"
#include "mlp.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"hidden", ALCHAIN_PARAM_INT_LIST, "[256, 128]", 1, 65536, nullptr,
     "Widths of the hidden layers; the last one is the embedding."},
    {"dropout", ALCHAIN_PARAM_FLOAT, "0.0", 0.0, 0.95, nullptr,
     "Dropout after each hidden layer (needed > 0 by MC-dropout policies such as bald)."},
};
}  // namespace

ALCHAIN_MODEL_PLUGIN_FLAGS(alchain::plugins::Mlp, "mlp", "1.0.0",
                           "Multilayer perceptron with ReLU on flattened inputs.", kParams, ALCHAIN_FLAG_MC_DROPOUT)
