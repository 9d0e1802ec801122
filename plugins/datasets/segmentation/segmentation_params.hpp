// The descriptor rows cityscapes and ade20k declare alike: the parameters PairedSegmentation::common_options() reads with the same defaults.
#pragma once

#include "alchain/sdk/plugin.hpp"

namespace alchain::plugins {

inline constexpr alchain_param_spec kSegmentationHeightParam = {
    "height", ALCHAIN_PARAM_INT, "512", 1, 4096, nullptr, "Images and labels are resized to this height."};
inline constexpr alchain_param_spec kSegmentationMeanParam = {
    "mean", ALCHAIN_PARAM_FLOAT_LIST, "[0.485, 0.456, 0.406]", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
    "Per-channel (R, G, B) mean subtracted from pixels in [0, 1] (ImageNet's)."};
inline constexpr alchain_param_spec kSegmentationStdParam = {
    "std", ALCHAIN_PARAM_FLOAT_LIST, "[0.229, 0.224, 0.225]", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
    "Per-channel std the pixels are divided by (ImageNet's)."};

}  // namespace alchain::plugins
