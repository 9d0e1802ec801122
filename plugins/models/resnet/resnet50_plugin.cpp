// Descriptor of the resnet50 model plugin.
#include "alchain/sdk/plugin.hpp"
#include "zoo/resnet_classifier.hpp"

namespace {
struct ResNet50 : alchain::plugins::ResNetClassifier {
  ResNet50(const alchain::Params& p, const alchain::CreateContext& c) : ResNetClassifier(50, p, c) {}
};
}  // namespace

ALCHAIN_MODEL_PLUGIN(ResNet50, "resnet50", "1.0.0",
                     "torchvision's ResNet-50 classifier (He et al. 2016), with its parameter names: ImageNet weights exported from torchvision load by name.",
                     ALCHAIN_NO_PARAMS)
