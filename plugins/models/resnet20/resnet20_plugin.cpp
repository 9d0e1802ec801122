// Descriptor of the resnet20 model plugin.
#include "alchain/sdk/plugin.hpp"
#include "zoo/resnet20.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"width", ALCHAIN_PARAM_INT, "1", 1, 16, nullptr, "Multiplies the stage widths 16/32/64 (2 = a wider ResNet-20)."},
};
}  // namespace

ALCHAIN_MODEL_PLUGIN(alchain::plugins::ResNet20, "resnet20", "1.0.0",
                     "CIFAR-style ResNet-20 (He et al. 2016): 3x3 basic blocks, widths 16/32/64, shortcut A.", kParams)
