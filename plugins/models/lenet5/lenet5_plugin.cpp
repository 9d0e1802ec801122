// Descriptor of the lenet5 model plugin.
#include "alchain/sdk/plugin.hpp"
#include "lenet5.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"dropout", ALCHAIN_PARAM_FLOAT, "0.0", 0.0, 0.95, nullptr,
     "Dropout after fc1 and before the last layer (needed > 0 by MC-dropout policies such as bald)."},
};
}  // namespace

ALCHAIN_MODEL_PLUGIN_FLAGS(alchain::plugins::LeNet5, "lenet5", "1.0.0",
                           "LeNet-5-like CNN (LeCun et al. 1998) with ReLU and max-pooling; 64-d embedding.", kParams,
                           ALCHAIN_FLAG_MC_DROPOUT)
