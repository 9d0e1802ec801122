// Descriptor of the llal policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "llal.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"taps", ALCHAIN_PARAM_STRING, "\"\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Comma-separated model taps fed to the loss predictor (\"\" = all the model's taps)."},
    {"head", ALCHAIN_PARAM_STRING, "\"auto\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, "auto|dense|conv",
     "dense: the paper's head (each tap pooled, fully connected layers, one loss per sample); conv: 1x1 convolutions at every pixel, no pooling, a loss map reduced per image by the round's pixel reduction; auto: conv for segmentation, dense otherwise."},
    {"hidden", ALCHAIN_PARAM_INT, "128", 1, 65536, nullptr, "Width of each tap's fully connected layer (conv: channels of its 1x1 convolution)."},
    {"margin", ALCHAIN_PARAM_FLOAT, "1.0", 0.0, 1e6, nullptr, "Margin xi of the ranking loss."},
    {"weight", ALCHAIN_PARAM_FLOAT, "1.0", 0.0, 1e6, nullptr, "Weight lambda of the loss-prediction loss."},
    {"stop_gradient_fraction", ALCHAIN_PARAM_FLOAT, "0.6", 0.0, 1.0, nullptr,
     "From this fraction of the epochs on, no gradient flows from the predictor into the backbone (paper: 120/200)."},
};
}  // namespace

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::LlalPolicy, "llal", "1.0.0",
                      "Learning loss: highest loss predicted by a head trained with the surrogate (Yoo & Kweon 2019).", kParams,
                            ALCHAIN_FLAG_BATCH_SCORES)
