// Descriptor of the resnet18 model plugin.
#include "alchain/sdk/plugin.hpp"
#include "zoo/resnet_classifier.hpp"

namespace {
struct ResNet18 : alchain::plugins::ResNetClassifier {
  ResNet18(const alchain::Params& p, const alchain::CreateContext& c) : ResNetClassifier(18, p, c) {}
};
}  // namespace

ALCHAIN_MODEL_PLUGIN(ResNet18, "resnet18", "1.0.0",
                     "torchvision's ResNet-18 classifier (He et al. 2016), with its parameter names: ImageNet weights exported from torchvision load by name.",
                     ALCHAIN_NO_PARAMS)
