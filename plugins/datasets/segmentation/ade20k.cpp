// ADE20K's scene-parsing benchmark (Zhou et al. 2017) in the ADEChallengeData2016 layout:
// annotation value v in 1..150 is class v - 1; 0 ("other") is ignored.
#include <filesystem>
#include <stdexcept>

#include "alchain/sdk/plugin.hpp"
#include "paired_segmentation.hpp"
#include "segmentation_params.hpp"

namespace alchain::plugins {

namespace {

// SceneParsing's objectInfo150 names, in label order (first name of each entry).
constexpr const char* kClasses[150] = {
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass",
    "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain", "chair",
    "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field",
    "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub", "railing", "cushion",
    "base", "box", "column", "signboard", "chest of drawers", "counter", "sand", "sink", "skyscraper", "fireplace",
    "refrigerator", "grandstand", "path", "stairs", "runway", "case", "pool table", "pillow", "screen door", "stairway",
    "river", "bridge", "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill", "bench",
    "countertop", "stove", "palm", "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine", "hovel",
    "bus", "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth", "television receiver",
    "airplane", "dirt track", "apparel", "pole", "land", "bannister", "escalator", "ottoman", "bottle", "buffet",
    "poster", "stage", "van", "ship", "fountain", "conveyer belt", "canopy", "washer", "plaything", "swimming pool",
    "stool", "barrel", "basket", "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball",
    "food", "step", "tank", "trade name", "microwave", "pot", "animal", "bicycle", "lake", "dishwasher",
    "screen", "blanket", "sculpture", "hood", "sconce", "vase", "traffic light", "tray", "ashcan", "fan",
    "pier", "crt screen", "plate", "monitor", "bulletin board", "shower", "radiator", "glass", "clock", "flag"};

std::vector<LabelledImage> pairs(const std::filesystem::path& root, const std::string& split) {
  return pairs_ending_with((root / "images" / split).string(), ".jpg", "ADEChallengeData2016's images/" + split + "/",
                           [&](const std::filesystem::path& image) {
                             return root / "annotations" / split / (image.stem().string() + ".png");
                           });
}

PairedSegmentation::Options options(const Params& params) {
  PairedSegmentation::Options o = PairedSegmentation::common_options(params);
  o.name = "ade20k";
  o.class_names.assign(std::begin(kClasses), std::end(kClasses));
  o.mapping.to_class[0] = LabelMapping::kIgnored;
  for (int v = 1; v <= 150; ++v) o.mapping.to_class[static_cast<std::size_t>(v)] = static_cast<std::int16_t>(v - 1);
  return o;
}

}  // namespace

struct Ade20k : PairedSegmentation {
  Ade20k(const Params& params, const CreateContext& ctx) : PairedSegmentation(params, ctx, options, pairs) {}
};

}  // namespace alchain::plugins

namespace {
const alchain_param_spec kParams[] = {
    {"root", ALCHAIN_PARAM_STRING, nullptr, ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "The ADEChallengeData2016 folder (images/ and annotations/); relative to the pipeline file."},
    {"train_split", ALCHAIN_PARAM_STRING, "\"training\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Split folder of the pool."},
    {"test_split", ALCHAIN_PARAM_STRING, "\"validation\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Split folder evaluated on."},
    alchain::plugins::kSegmentationHeightParam,
    {"width", ALCHAIN_PARAM_INT, "512", 1, 8192, nullptr, "... and width (labels by nearest neighbour)."},
    alchain::plugins::kSegmentationMeanParam,
    alchain::plugins::kSegmentationStdParam,
};
}  // namespace

ALCHAIN_DATASET_PLUGIN(alchain::plugins::Ade20k, "ade20k", "1.0.0",
                       "ADE20K scene parsing (ADEChallengeData2016): 150 classes, label 0 ignored (255).", kParams)
