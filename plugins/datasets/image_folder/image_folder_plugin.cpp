// Descriptor of the image_folder dataset plugin.
#include "alchain/sdk/plugin.hpp"
#include "image_folder.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"root", ALCHAIN_PARAM_STRING, nullptr, ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Folder with <split>/<class>/<image> files; relative to the pipeline file."},
    {"train_split", ALCHAIN_PARAM_STRING, "\"train\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Subfolder of the pool (its class folders define the classes)."},
    {"test_split", ALCHAIN_PARAM_STRING, "\"test\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Subfolder of the evaluation images."},
    {"height", ALCHAIN_PARAM_INT, "32", 1, 4096, nullptr, "Images are resized to this height."},
    {"width", ALCHAIN_PARAM_INT, "32", 1, 4096, nullptr, "Images are resized to this width."},
    {"channels", ALCHAIN_PARAM_INT, "1", 1, 3, "1|3", "1 reads grayscale, 3 reads RGB."},
    {"mean", ALCHAIN_PARAM_FLOAT, "0.0", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Subtracted from pixel values in [0, 1]."},
    {"std", ALCHAIN_PARAM_FLOAT, "1.0", 1e-6, ALCHAIN_UNBOUNDED, nullptr, "Pixel values are divided by this."},
    {"preload", ALCHAIN_PARAM_BOOL, "true", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Decode every image once at start (fails early on a corrupt file); false decodes per batch."},
};
}  // namespace

ALCHAIN_DATASET_PLUGIN(alchain::plugins::ImageFolder, "image_folder", "1.0.0",
                       "Images in root/<split>/<class>/<image>, any format OpenCV reads, resized.", kParams)
