// Descriptor of the lenet5 model plugin.
#include "alchain/sdk/plugin.hpp"
#include "lenet5.hpp"

ALCHAIN_MODEL_PLUGIN(alchain::plugins::LeNet5, "lenet5", "1.0.0",
                     "LeNet-5-like CNN (LeCun et al. 1998) with ReLU and max-pooling; 64-d embedding.",
                     ALCHAIN_NO_PARAMS)
