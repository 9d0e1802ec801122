// Descriptor of the fashion_mnist dataset plugin.
#include "alchain/sdk/plugin.hpp"
#include "fashion_mnist.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"root", ALCHAIN_PARAM_STRING, "\"/usr/share/datasets/fashion-mnist\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED,
     nullptr, "Directory holding the four IDX files (.gz or plain); relative to the pipeline file."},
    {"pad", ALCHAIN_PARAM_INT, "2", 0, 64, nullptr, "Black border added on each side (2 gives 32x32 images)."},
    {"train_limit", ALCHAIN_PARAM_INT, "0", 0, ALCHAIN_UNBOUNDED, nullptr,
     "Use only the first N training images as the pool (0 = all 60000)."},
    {"test_limit", ALCHAIN_PARAM_INT, "0", 0, ALCHAIN_UNBOUNDED, nullptr,
     "Evaluate on the first N test images only (0 = all 10000)."},
};
}  // namespace

ALCHAIN_DATASET_PLUGIN(alchain::plugins::FashionMnist, "fashion_mnist", "1.0.0",
                       "Fashion-MNIST (Xiao et al. 2017): 60k/10k 28x28 grayscale images, 10 classes.", kParams)
