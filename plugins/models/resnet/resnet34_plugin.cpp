// Descriptor of the resnet34 model plugin.
#include "alchain/sdk/plugin.hpp"
#include "zoo/resnet_classifier.hpp"

namespace {
struct ResNet34 : alchain::plugins::ResNetClassifier {
  ResNet34(const alchain::Params& p, const alchain::CreateContext& c) : ResNetClassifier(34, p, c) {}
};
}  // namespace

ALCHAIN_MODEL_PLUGIN(ResNet34, "resnet34", "1.0.0",
                     "torchvision's ResNet-34 classifier (He et al. 2016), with its parameter names: ImageNet weights exported from torchvision load by name.",
                     ALCHAIN_NO_PARAMS)
