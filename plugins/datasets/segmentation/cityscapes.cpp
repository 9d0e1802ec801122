// Cityscapes (Cordts et al. 2016) in its official layout: gtFine labelIds mapped to the 19
// train IDs of the official label table (cityscapesScripts' labels.py), everything else ignored.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "alchain/sdk/plugin.hpp"
#include "paired_segmentation.hpp"
#include "segmentation_params.hpp"

namespace alchain::plugins {

namespace {

constexpr const char* kLeftSuffix = "_leftImg8bit.png";
constexpr const char* kLabelSuffix = "_gtFine_labelIds.png";

/// labelIds 0..33 to train IDs; 255 where the official table has 255 (or -1) for training.
constexpr std::int16_t kTrainId[34] = {
    255, 255, 255, 255, 255, 255, 255,  // 0 unlabeled .. 6 ground
    0,   1,                             // 7 road, 8 sidewalk
    255, 255,                           // 9 parking, 10 rail track
    2,   3,   4,                        // 11 building, 12 wall, 13 fence
    255, 255, 255,                      // 14 guard rail, 15 bridge, 16 tunnel
    5,   255,                           // 17 pole, 18 polegroup
    6,   7,   8,   9,   10,             // 19 traffic light, 20 traffic sign, 21 vegetation, 22 terrain, 23 sky
    11,  12,  13,  14,  15,             // 24 person, 25 rider, 26 car, 27 truck, 28 bus
    255, 255,                           // 29 caravan, 30 trailer
    16,  17,  18,                       // 31 train, 32 motorcycle, 33 bicycle
};

std::vector<LabelledImage> pairs(const std::filesystem::path& root, const std::string& split) {
  return pairs_ending_with(
      (root / "leftImg8bit" / split).string(), kLeftSuffix, "Cityscapes' leftImg8bit/" + split + "/<city>/",
      [&](const std::filesystem::path& image) {
        const std::string name = image.filename().string();
        const std::string stem = name.substr(0, name.size() - std::string(kLeftSuffix).size());
        return root / "gtFine" / split / image.parent_path().filename() / (stem + kLabelSuffix);
      });
}

PairedSegmentation::Options options(const Params& params) {
  PairedSegmentation::Options o = PairedSegmentation::common_options(params);
  o.name = "cityscapes";
  o.crop = params.get_int_list("crop");
  o.class_names = {"road",  "sidewalk",   "building",   "wall",   "fence",  "pole",  "traffic light",
                   "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car",
                   "truck", "bus", "train", "motorcycle", "bicycle"};
  for (int id = 0; id < 34; ++id) o.mapping.to_class[static_cast<std::size_t>(id)] = kTrainId[id];
  return o;
}

}  // namespace

struct Cityscapes : PairedSegmentation {
  Cityscapes(const Params& params, const CreateContext& ctx) : PairedSegmentation(params, ctx, options, pairs) {}
};

}  // namespace alchain::plugins

namespace {
const alchain_param_spec kParams[] = {
    {"root", ALCHAIN_PARAM_STRING, nullptr, ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Folder holding leftImg8bit/ and gtFine/; relative to the pipeline file."},
    {"train_split", ALCHAIN_PARAM_STRING, "\"train\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Split folder of the pool."},
    {"test_split", ALCHAIN_PARAM_STRING, "\"val\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Split folder evaluated on (Cityscapes' test labels are not public)."},
    alchain::plugins::kSegmentationHeightParam,
    {"width", ALCHAIN_PARAM_INT, "1024", 1, 8192, nullptr, "... and width (labels by nearest neighbour)."},
    {"crop", ALCHAIN_PARAM_INT_LIST, "[]", 0, 65535, nullptr,
     "[top, left, height, width] cut from every stored image and label before resizing ([] = the whole image), e.g. [0, 0, 896, 2048] leaves out the ego car's bonnet."},
    alchain::plugins::kSegmentationMeanParam,
    alchain::plugins::kSegmentationStdParam,
};
}  // namespace

ALCHAIN_DATASET_PLUGIN(alchain::plugins::Cityscapes, "cityscapes", "1.0.0",
                       "Cityscapes fine annotations (leftImg8bit + gtFine labelIds): 19 train classes, the rest "
                       "ignored (255).",
                       kParams)
