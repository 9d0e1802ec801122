// Descriptor of the deeplabv3plus model plugin.
#include "alchain/sdk/plugin.hpp"
#include "deeplabv3plus.hpp"
#include "deeplabv3plus_params.hpp"

ALCHAIN_MODEL_PLUGIN_FLAGS(alchain::plugins::DeepLabV3Plus, "deeplabv3plus", "1.0.0",
                           "DeepLabv3+ for segmentation: a ResNet backbone at output stride 16 or 8, ASPP with image pooling, a decoder with low-level features.",
                           alchain::plugins::kDeepLabParams, ALCHAIN_FLAG_MC_DROPOUT | ALCHAIN_FLAG_SEGMENTATION)
