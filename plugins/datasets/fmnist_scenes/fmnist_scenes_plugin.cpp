// Descriptor of the fmnist_scenes dataset plugin.
#include "alchain/sdk/plugin.hpp"
#include "fmnist_scenes.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"root", ALCHAIN_PARAM_STRING, "\"/usr/share/datasets/fashion-mnist\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED,
     nullptr, "Directory holding Fashion-MNIST's four IDX files (.gz or plain); relative to the pipeline file."},
    {"size", ALCHAIN_PARAM_INT, "64", 28, 512, nullptr, "Side of the square canvas in pixels."},
    {"objects", ALCHAIN_PARAM_INT, "3", 1, 16, nullptr, "Garments per scene (later ones cover earlier ones)."},
    {"train_scenes", ALCHAIN_PARAM_INT, "12000", 1, 10000000, nullptr,
     "Scenes in the train split (the pool), composed from the 60000 training garments."},
    {"test_scenes", ALCHAIN_PARAM_INT, "2000", 1, 10000000, nullptr,
     "Scenes in the test split, composed from the 10000 test garments."},
    {"threshold", ALCHAIN_PARAM_INT, "64", 1, 255, nullptr,
     "A garment pixel at least this bright (0..255) gets the garment's class; fainter ones are ignored (255)."},
    {"seed", ALCHAIN_PARAM_INT, "0", 0, 2147483647, nullptr,
     "Which garments go where: the same seed gives the same scenes on every machine."},
};
}  // namespace

ALCHAIN_DATASET_PLUGIN(alchain::plugins::FmnistScenes, "fmnist_scenes", "1.0.0",
                       "Segmentation scenes composed from Fashion-MNIST garments: 11 classes (background + 10), "
                       "ignore label 255 on faint garment edges.",
                       kParams)
