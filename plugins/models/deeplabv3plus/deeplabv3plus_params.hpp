// The deeplabv3plus plugin's parameters: its descriptor's, and the pipeline fuzzer's (which
// declares the shipped plugins without building them), from this one table.
#pragma once

#include <cmath>

#include "alchain/sdk/abi.h"

namespace alchain::plugins {

inline const alchain_param_spec kDeepLabParams[] = {
    {"backbone", ALCHAIN_PARAM_STRING, "\"resnet18\"", NAN, NAN, "resnet20|resnet18|resnet34|resnet50|mobilenet_v3_small|mobilenet_v3_large|xception65",
     "The feature extractor: torchvision's ResNet-18/34/50 (low-level features from layer1, high-level from layer4), its MobileNetV3-Small/-Large (the last block at stride 4, the last 1x1 convolution), DeepLab's aligned Xception-65 (the entry flow's second block, the exit flow) or CIFAR's ResNet-20 (stage2, stage3)."},
    {"output_stride", ALCHAIN_PARAM_INT, "16", NAN, NAN, "8|16",
     "Input size / high-level feature size for the ResNets and Xception-65: the last stage (8: the last two) dilates instead of striding. MobileNetV3: 16 only. ResNet-20's is 4."},
    {"aspp_rates", ALCHAIN_PARAM_INT_LIST, "[6, 12, 18]", 1, 64, nullptr,
     "Dilation rates of ASPP's three 3x3 branches (the paper: 6, 12, 18 at output stride 16; 12, 24, 36 at 8)."},
    {"aspp_channels", ALCHAIN_PARAM_INT, "256", 4, 2048, nullptr, "Channels of each ASPP branch and of its projection."},
    {"decoder_channels", ALCHAIN_PARAM_INT, "256", 4, 2048, nullptr, "Channels of the decoder's two 3x3 convolutions."},
    {"low_level_channels", ALCHAIN_PARAM_INT, "48", 1, 1024, nullptr, "Channels the low-level features are projected to."},
    {"dropout", ALCHAIN_PARAM_FLOAT, "0.0", 0, 0.95, nullptr,
     "Dropout after ASPP's projection (0 = none); MC-dropout policies use it for their stochastic passes."},
    {"width", ALCHAIN_PARAM_INT, "1", 1, 16, nullptr, "backbone resnet20: multiplies its stage widths 16/32/64."},
};

}  // namespace alchain::plugins
