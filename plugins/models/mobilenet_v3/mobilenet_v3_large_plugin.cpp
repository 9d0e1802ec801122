// Descriptor of the mobilenet_v3_large model plugin.
#include "alchain/sdk/plugin.hpp"
#include "zoo/mobilenet_v3_classifier.hpp"

namespace {
struct MobileNetV3Large : alchain::plugins::MobileNetV3Classifier {
  MobileNetV3Large(const alchain::Params& p, const alchain::CreateContext& c) : MobileNetV3Classifier(true, p, c) {}
};
}  // namespace

ALCHAIN_MODEL_PLUGIN_FLAGS(MobileNetV3Large, "mobilenet_v3_large", "1.0.0",
                           "torchvision's MobileNetV3-Large classifier (Howard et al. 2019), with its parameter names: ImageNet weights exported from torchvision load by name.",
                           alchain::plugins::kMobileNetV3Params, ALCHAIN_FLAG_MC_DROPOUT)
