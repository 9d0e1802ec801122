// Descriptor of the mobilenet_v3_small model plugin.
#include "alchain/sdk/plugin.hpp"
#include "zoo/mobilenet_v3_classifier.hpp"

namespace {
struct MobileNetV3Small : alchain::plugins::MobileNetV3Classifier {
  MobileNetV3Small(const alchain::Params& p, const alchain::CreateContext& c) : MobileNetV3Classifier(false, p, c) {}
};
}  // namespace

ALCHAIN_MODEL_PLUGIN_FLAGS(MobileNetV3Small, "mobilenet_v3_small", "1.0.0",
                           "torchvision's MobileNetV3-Small classifier (Howard et al. 2019), with its parameter names: ImageNet weights exported from torchvision load by name.",
                           alchain::plugins::kMobileNetV3Params, ALCHAIN_FLAG_MC_DROPOUT)
