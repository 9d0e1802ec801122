// Segmentation data: fmnist_scenes composed from Debian's Fashion-MNIST, checked pixel by pixel
// against the garments it was built from; miniature Cityscapes and ADE20K trees (the label
// mapping pixel by pixel, and what a broken tree gets); `alchain data`'s class counts.
#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "alchain/engine/dataset_census.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/sdk/dataset.hpp"
#include "test_support.hpp"

using namespace alchain;
using test::make_dataset;

namespace {


/// Pixels back in 0..255 from fashion_mnist's normalisation.
at::Tensor raw_pixels(const at::Tensor& x) { return ((x * 0.3530f + 0.2860f) * 255.0f).round().to(torch::kInt64); }

}  // namespace

TEST_CASE("fmnist_scenes: every garment pixel is a real Fashion-MNIST garment's, labelled with its class") {
  auto scenes = make_dataset("fmnist_scenes", "train_scenes = 50\ntest_scenes = 20\nobjects = 1\nsize = 48");
  const DatasetInfo info = scenes->info();
  CHECK(info.task == Task::segmentation);
  REQUIRE(info.class_names.size() == 11);
  CHECK(info.class_names[0] == "background");
  CHECK(info.class_names[10] == "ankle boot");
  CHECK(info.input_shape == std::vector<std::int64_t>{1, 48, 48});
  CHECK(scenes->size(Split::train) == 50);
  CHECK(scenes->size(Split::test) == 20);

  // Index the 10000 test garments by their bytes, to find which one each scene shows.
  auto fmnist = make_dataset("fashion_mnist", "pad = 0");
  const at::Tensor garments = raw_pixels(fmnist->inputs(Split::test, torch::arange(10000, torch::kInt64)));
  const at::Tensor garment_labels = fmnist->labels(Split::test, torch::arange(10000, torch::kInt64));
  std::map<std::string, std::int64_t> by_bytes;
  for (std::int64_t i = 0; i < 10000; ++i) {
    const at::Tensor g = garments[i][0].to(torch::kUInt8).contiguous();
    by_bytes.emplace(std::string(reinterpret_cast<const char*>(g.data_ptr<std::uint8_t>()), 784), i);
  }

  const at::Tensor ids = torch::arange(20, torch::kInt64);
  const at::Tensor x = raw_pixels(scenes->inputs(Split::test, ids));
  const at::Tensor y = scenes->labels(Split::test, ids);
  REQUIRE(y.sizes() == at::IntArrayRef{20, 48, 48});
  CHECK((y.scalar_type() == torch::kInt64));
  int found = 0;
  for (std::int64_t s = 0; s < 20; ++s) {
    const at::Tensor img = x[s][0];
    // One garment: find the 28x28 window that is exactly one of the test garments.
    std::int64_t match = -1, at_y = 0, at_x = 0;
    for (std::int64_t y0 = 0; y0 <= 20 && match < 0; ++y0)
      for (std::int64_t x0 = 0; x0 <= 20 && match < 0; ++x0) {
        if (img.narrow(0, y0, 28).narrow(1, x0, 28).sum().item<std::int64_t>() != img.sum().item<std::int64_t>()) continue;
        const at::Tensor w = img.narrow(0, y0, 28).narrow(1, x0, 28).to(torch::kUInt8).contiguous();
        const auto it = by_bytes.find(std::string(reinterpret_cast<const char*>(w.data_ptr<std::uint8_t>()), 784));
        if (it != by_bytes.end()) match = it->second, at_y = y0, at_x = x0;
      }
    if (match < 0) continue;  // a garment whose window is not unique at the border; the others decide
    ++found;
    const std::int64_t cls = 1 + garment_labels[match].item<std::int64_t>();
    at::Tensor expected = torch::zeros({48, 48}, torch::kInt64);
    const at::Tensor g = garments[match][0];
    at::Tensor window = expected.narrow(0, at_y, 28).narrow(1, at_x, 28);
    window.copy_(torch::where(g.ge(64), torch::full_like(g, cls), torch::where(g.gt(0), torch::full_like(g, 255), torch::zeros_like(g))));
    CHECK_MESSAGE(torch::equal(y[s], expected), "scene " << s << " (garment " << match << ")");
  }
  CHECK(found >= 18);
}

TEST_CASE("fmnist_scenes: the same seed gives the same scenes, another seed others; bad IDs are refused") {
  auto a = make_dataset("fmnist_scenes", "train_scenes = 100\ntest_scenes = 10");
  auto b = make_dataset("fmnist_scenes", "train_scenes = 100\ntest_scenes = 10");
  auto c = make_dataset("fmnist_scenes", "train_scenes = 100\ntest_scenes = 10\nseed = 7");
  const at::Tensor ids = torch::tensor({0, 99, 42}, torch::kInt64);
  CHECK(torch::equal(a->inputs(Split::train, ids), b->inputs(Split::train, ids)));
  CHECK(torch::equal(a->labels(Split::train, ids), b->labels(Split::train, ids)));
  CHECK_FALSE(torch::equal(a->labels(Split::train, ids), c->labels(Split::train, ids)));
  // A scene does not depend on the batch it is asked in.
  CHECK(torch::equal(a->labels(Split::train, torch::tensor({42}, torch::kInt64))[0], a->labels(Split::train, ids)[2]));
  // Train and test scenes differ (different garments).
  CHECK_FALSE(torch::equal(a->labels(Split::train, torch::tensor({0}, torch::kInt64)),
                           a->labels(Split::test, torch::tensor({0}, torch::kInt64))));
  try {
    a->labels(Split::test, torch::tensor({10}, torch::kInt64));
    FAIL("an ID past the split was accepted");
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()) == "fmnist_scenes: sample ID out of range for split test (10, size 10)");
  }
}

TEST_CASE("count_labels: pixels per class add up; ignored and non-class labels are told apart") {
  auto scenes = make_dataset("fmnist_scenes", "train_scenes = 64\ntest_scenes = 8\nsize = 32\nobjects = 2");
  const LabelCensus c = count_labels(*scenes, Split::train, 40, 16);
  CHECK(c.size == 64);
  CHECK(c.counted == 40);
  std::int64_t sum = c.ignored;
  for (auto n : c.per_class) sum += n;
  CHECK(sum == 40 * 32 * 32);
  CHECK(c.invalid == 0);
  CHECK(c.ignored > 0);
  CHECK(c.per_class[0] == *std::max_element(c.per_class.begin(), c.per_class.end()));  // background is the largest
  // Against a direct count of the same labels.
  const at::Tensor y = scenes->labels(Split::train, torch::arange(40, torch::kInt64));
  for (std::int64_t k = 0; k < 11; ++k) CHECK(c.per_class[static_cast<std::size_t>(k)] == y.eq(k).sum().item<std::int64_t>());

  // A dataset whose mapping is broken: a label 11 (no class) is counted as invalid, not dropped.
  struct Broken : Dataset {
    DatasetInfo info() const override { return {Task::segmentation, {"a", "b"}, {1, 2, 2}}; }
    std::int64_t size(Split) const override { return 3; }
    at::Tensor inputs(Split, const at::Tensor& ids) override { return torch::zeros({ids.size(0), 1, 2, 2}); }
    at::Tensor labels(Split, const at::Tensor& ids) override {
      return torch::tensor({0, 1, 255, 11}, torch::kInt64).reshape({1, 2, 2}).repeat({ids.size(0), 1, 1});
    }
  } broken;
  const LabelCensus b = count_labels(broken, Split::test, 0, 2);
  CHECK(b.counted == 3);
  CHECK(b.per_class == std::vector<std::int64_t>{3, 3});
  CHECK(b.ignored == 3);
  CHECK(b.invalid == 3);
}

TEST_CASE("alchain data prints a dataset's splits and per-class counts") {
  test::TempDir dir;
  const auto pipeline = [&](const std::string& name, const std::string& dataset) {
    std::ofstream(dir.path() / name) << "schema = 1\nname = \"census\"\n[dataset]\n" << dataset
                                     << "\n[budget]\ninitial = 10\nper_cycle = 10\ncycles = 1\n"
                                        "[[generation]]\nname = \"g\"\nmodel = \"lenet5\"\npolicy = \"entropy\"\n";
    return (dir.path() / name).string();
  };
  // Fashion-MNIST's test split has exactly 1000 images of each class.
  const auto fm = test::run_cli("data " + pipeline("fm.toml", "plugin = \"fashion_mnist\"") + " --split test");
  REQUIRE_MESSAGE(fm.status == 0, fm.output);
  CHECK(fm.output.find("fashion_mnist: classification, input 1x32x32, 10 classes") != std::string::npos);
  CHECK(fm.output.find("test     10000    10000") != std::string::npos);
  CHECK(fm.output.find("9 ankle boot                1000   10.00") != std::string::npos);
  CHECK(fm.output.find("train") == std::string::npos);

  const auto sc = test::run_cli("data " + pipeline("sc.toml", "plugin = \"fmnist_scenes\"\nparams = { train_scenes = 30, test_scenes = 10 }") +
                                " --limit 20");
  REQUIRE_MESSAGE(sc.status == 0, sc.output);
  CHECK(sc.output.find("fmnist_scenes: segmentation, input 1x64x64, 11 classes, a label per pixel (255 = ignored)") !=
        std::string::npos);
  CHECK(sc.output.find("train       30       20") != std::string::npos);
  CHECK(sc.output.find("255 ignored") != std::string::npos);

  // Bad input: an unknown split, a missing pipeline, a dataset that cannot load (position named).
  CHECK(test::run_cli("data " + pipeline("x.toml", "plugin = \"fashion_mnist\"") + " --split val").status == 2);
  const auto missing = test::run_cli("data " + (dir.path() / "nope.toml").string());
  CHECK(missing.status == 1);
  CHECK(missing.output.find("nope.toml") != std::string::npos);
  const auto bad = test::run_cli("data " + pipeline("bad.toml", "plugin = \"fmnist_scenes\"\nparams = { root = \"no/such/dir\" }"));
  CHECK(bad.status == 1);
  CHECK_MESSAGE(bad.output.find("bad.toml:4:10: dataset: ") != std::string::npos, bad.output);
  CHECK(bad.output.find("t10k-images-idx3-ubyte.gz: missing") == std::string::npos);  // train is looked for first
  CHECK(bad.output.find("train-images-idx3-ubyte.gz: missing") != std::string::npos);
}

namespace {

/// A labelIds/annotation image of `w` x `h` whose pixel i holds values[i % values.size()].
cv::Mat label_image(int w, int h, const std::vector<int>& values) {
  cv::Mat m(h, w, CV_8UC1);
  for (int i = 0; i < w * h; ++i) m.at<std::uint8_t>(i / w, i % w) = static_cast<std::uint8_t>(values[i % values.size()]);
  return m;
}

void write(const std::filesystem::path& p, const cv::Mat& m) {
  std::filesystem::create_directories(p.parent_path());
  REQUIRE(cv::imwrite(p.string(), m));
}

/// A miniature Cityscapes: two cities in train (bremen listed before aachen on disk), one in val.
/// Every image is 8 x 6; the labelIds of sample 0 run through 0..33.
void mini_cityscapes(const std::filesystem::path& root) {
  std::vector<int> all_ids(34);
  for (int i = 0; i < 34; ++i) all_ids[i] = i;
  for (const auto& [split, city, stem] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"train", "bremen", "bremen_000000_000019"}, {"train", "aachen", "aachen_000000_000019"},
           {"val", "lindau", "lindau_000000_000019"}}) {
    cv::Mat img(6, 8, CV_8UC3, cv::Scalar(30, 20, 10));  // B, G, R: R = 10
    write(root / "leftImg8bit" / split / city / (stem + "_leftImg8bit.png"), img);
    write(root / "gtFine" / split / city / (stem + "_gtFine_labelIds.png"),
          city == "aachen" ? label_image(8, 6, all_ids) : label_image(8, 6, {26}));
  }
}

std::string creation_error(const std::string& name, const std::string& params) {
  try {
    make_dataset(name, params);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::string labels_error(Dataset& d, Split s, std::int64_t id) {
  try {
    d.labels(s, torch::tensor({id}, torch::kInt64));
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("cityscapes: labelIds map to the official 19 train IDs pixel by pixel, the rest to 255") {
  test::TempDir dir;
  const auto root = dir.path() / "cityscapes";
  mini_cityscapes(root);
  const std::string params = "root = \"" + root.string() + "\"\nheight = 6\nwidth = 8";
  auto d = make_dataset("cityscapes", params);
  const DatasetInfo info = d->info();
  CHECK(info.task == Task::segmentation);
  REQUIRE(info.class_names.size() == 19);
  CHECK(info.class_names[0] == "road");
  CHECK(info.class_names[13] == "car");
  CHECK(info.class_names[18] == "bicycle");
  CHECK(info.input_shape == std::vector<std::int64_t>{3, 6, 8});
  CHECK(d->size(Split::train) == 2);
  CHECK(d->size(Split::test) == 1);
  // The official table (cityscapesScripts labels.py): labelId -> trainId for the 19 classes.
  const std::map<int, int> train_id = {{7, 0},   {8, 1},   {11, 2},  {12, 3},  {13, 4},  {17, 5},  {19, 6},
                                       {20, 7},  {21, 8},  {22, 9},  {23, 10}, {24, 11}, {25, 12}, {26, 13},
                                       {27, 14}, {28, 15}, {31, 16}, {32, 17}, {33, 18}};
  // Sorted by path: aachen (ID 0) before bremen (ID 1).
  const at::Tensor y = d->labels(Split::train, torch::tensor({0, 1}, torch::kInt64));
  REQUIRE(y.sizes() == at::IntArrayRef{2, 6, 8});
  for (int i = 0; i < 48; ++i) {
    const int id = i % 34;
    const auto it = train_id.find(id);
    CHECK_MESSAGE(y[0][i / 8][i % 8].item<std::int64_t>() == (it == train_id.end() ? 255 : it->second), "labelId " << id);
  }
  CHECK(y[1].eq(13).all().item<bool>());  // bremen: all car
  // Inputs: RGB order, ImageNet normalisation by default.
  const at::Tensor x = d->inputs(Split::test, torch::tensor({0}, torch::kInt64));
  REQUIRE(x.sizes() == at::IntArrayRef{1, 3, 6, 8});
  CHECK(x[0][0][0][0].item<float>() == doctest::Approx((10 / 255.0 - 0.485) / 0.229).epsilon(1e-5));
  CHECK(x[0][2][5][7].item<float>() == doctest::Approx((30 / 255.0 - 0.406) / 0.225).epsilon(1e-5));
  // Resized labels are nearest-neighbour: only values of the table, never a blend.
  auto small = make_dataset("cityscapes", "root = \"" + root.string() + "\"\nheight = 3\nwidth = 4");
  const at::Tensor ys = small->labels(Split::train, torch::tensor({0}, torch::kInt64));
  CHECK(ys.sizes() == at::IntArrayRef{1, 3, 4});
  CHECK(ys.lt(19).logical_or(ys.eq(255)).all().item<bool>());
  // count_labels sees the mapping too: bremen's 48 pixels are cars.
  const LabelCensus c = count_labels(*d, Split::train, 0, 8);
  CHECK(c.per_class[13] == 48 + 1);  // bremen's 48 and aachen's one pixel of labelId 26
  CHECK(c.invalid == 0);
  // crop = [top, left, height, width] cuts the stored image and label before resizing.
  auto crop = make_dataset("cityscapes", "root = \"" + root.string() + "\"\nheight = 4\nwidth = 5\ncrop = [2, 3, 4, 5]");
  const at::Tensor yc = crop->labels(Split::train, torch::tensor({0}, torch::kInt64));
  REQUIRE(yc.sizes() == at::IntArrayRef{1, 4, 5});
  for (int r = 0; r < 4; ++r)
    for (int col = 0; col < 5; ++col) {
      const int id = ((r + 2) * 8 + col + 3) % 34;
      const auto it = train_id.find(id);
      CHECK_MESSAGE(yc[0][r][col].item<std::int64_t>() == (it == train_id.end() ? 255 : it->second), "labelId " << id);
    }
  CHECK(crop->inputs(Split::train, torch::tensor({0}, torch::kInt64)).sizes() == at::IntArrayRef{1, 3, 4, 5});
  auto off = make_dataset("cityscapes", "root = \"" + root.string() + "\"\ncrop = [4, 0, 4, 8]");
  CHECK(labels_error(*off, Split::train, 0).find("_gtFine_labelIds.png: crop [4, 0, 4, 8] (top, left, height, width) does not fit its 8x6 image") != std::string::npos);
}

TEST_CASE("cityscapes: a broken tree gets one clear error naming the file") {
  test::TempDir dir;
  const auto root = dir.path() / "cs";
  const std::string params = "root = \"" + root.string() + "\"\nheight = 6\nwidth = 8";
  CHECK_MESSAGE(creation_error("cityscapes", params).find((root / "leftImg8bit" / "train").string() +
                                                          ": missing (Cityscapes' leftImg8bit/train/<city>/)") !=
                    std::string::npos,
                creation_error("cityscapes", params));
  mini_cityscapes(root);
  const auto label0 = root / "gtFine" / "train" / "aachen" / "aachen_000000_000019_gtFine_labelIds.png";
  SUBCASE("a missing label file") {
    std::filesystem::remove(label0);
    const std::string e = creation_error("cityscapes", params);
    CHECK_MESSAGE(e.find(label0.string() + ": missing (the label image of ") != std::string::npos, e);
  }
  SUBCASE("a label image of the wrong size") {
    write(label0, label_image(7, 6, {7}));
    auto d = make_dataset("cityscapes", params);
    CHECK(labels_error(*d, Split::train, 0) ==
          label0.string() + ": a label image of 7x6 for an image of 8x6 (" +
              (root / "leftImg8bit" / "train" / "aachen" / "aachen_000000_000019_leftImg8bit.png").string() + ")");
  }
  SUBCASE("an unknown label id") {
    write(label0, label_image(8, 6, {7, 7, 7, 40}));
    auto d = make_dataset("cityscapes", params);
    CHECK(labels_error(*d, Split::train, 0) == label0.string() + ": unknown label value 40 at pixel (3, 0) for cityscapes");
    CHECK(labels_error(*d, Split::train, 1) == "(no error)");  // bremen is fine
  }
  SUBCASE("a colour label image") {
    write(label0, cv::Mat(6, 8, CV_8UC3, cv::Scalar(7, 7, 7)));
    auto d = make_dataset("cityscapes", params);
    CHECK(labels_error(*d, Split::train, 0) ==
          label0.string() + ": a label image must have one 8-bit channel; this one has 3 channel(s) of 8 bits");
  }
  SUBCASE("a label file that is no image") {
    std::ofstream(label0, std::ios::binary | std::ios::trunc) << "not a png";
    auto d = make_dataset("cityscapes", params);
    CHECK(labels_error(*d, Split::train, 0) == label0.string() + ": cannot be decoded as an image (corrupt or unsupported format)");
  }
}

TEST_CASE("ade20k: annotation v is class v - 1, 0 is ignored, anything over 150 is refused") {
  test::TempDir dir;
  const auto root = dir.path() / "ADEChallengeData2016";
  for (const auto& [split, stem] : std::vector<std::pair<std::string, std::string>>{
           {"training", "ADE_train_00000001"}, {"training", "ADE_train_00000002"}, {"validation", "ADE_val_00000001"}}) {
    write(root / "images" / split / (stem + ".jpg"), cv::Mat(4, 5, CV_8UC3, cv::Scalar(0, 128, 255)));
    write(root / "annotations" / split / (stem + ".png"), label_image(5, 4, {0, 1, 2, 150}));
  }
  const std::string params = "root = \"" + root.string() + "\"\nheight = 4\nwidth = 5";
  auto d = make_dataset("ade20k", params);
  const DatasetInfo info = d->info();
  REQUIRE(info.class_names.size() == 150);
  CHECK(info.class_names[0] == "wall");
  CHECK(info.class_names[12] == "person");
  CHECK(info.class_names[149] == "flag");
  CHECK(d->size(Split::train) == 2);
  CHECK(d->size(Split::test) == 1);
  const at::Tensor y = d->labels(Split::test, torch::tensor({0}, torch::kInt64));
  const std::vector<std::int64_t> expected = {255, 0, 1, 149};
  for (int i = 0; i < 20; ++i) CHECK(y[0][i / 5][i % 5].item<std::int64_t>() == expected[i % 4]);
  CHECK(d->inputs(Split::train, torch::tensor({1}, torch::kInt64)).sizes() == at::IntArrayRef{1, 3, 4, 5});

  const auto bad = root / "annotations" / "training" / "ADE_train_00000002.png";
  write(bad, label_image(5, 4, {3, 151}));
  CHECK(labels_error(*d, Split::train, 1) == bad.string() + ": unknown label value 151 at pixel (1, 0) for ade20k");
  std::filesystem::remove(bad);
  CHECK(creation_error("ade20k", params).find(bad.string() + ": missing") != std::string::npos);
}

TEST_CASE("the shipped Cityscapes pipelines pass validate's full checks on a miniature tree (data, models, latency)") {
  // pipelines/cityscapes_*.toml as shipped, pointed at a 10-image tree, on the CPU and with a
  // budget the tree holds: validate opens the data, creates every DeepLabv3+ model (five
  // backbones in the matrix) and checks the chain's latency limits at the pipelines' 512x1024.
  test::TempDir dir;
  const auto root = dir.path() / "cityscapes";
  for (int i = 0; i < 11; ++i) {
    const std::string split = i < 10 ? "train" : "val", stem = "ulm_000000_" + std::to_string(100000 + i);
    write(root / "leftImg8bit" / split / "ulm" / (stem + "_leftImg8bit.png"), cv::Mat(6, 8, CV_8UC3, cv::Scalar(i, 2 * i, 3 * i)));
    write(root / "gtFine" / split / "ulm" / (stem + "_gtFine_labelIds.png"), label_image(8, 6, {7, 26, 0}));
  }
  for (const std::string name : {"cityscapes_generations", "cityscapes_surrogate_matrix"}) {
    CAPTURE(name);
    std::string text = test::read_file(test::source_dir() / "pipelines" / (name + ".toml"));
    auto replace = [&](const std::string& from, const std::string& to) {
      const auto at = text.find(from);
      REQUIRE_MESSAGE(at != std::string::npos, from);
      text.replace(at, from.size(), to);
    };
    replace("root = \"data/cityscapes\"", "root = \"" + root.string() + "\"");
    replace("initial = 300", "initial = 2");
    replace("per_cycle = 300", "per_cycle = 2");  // the chain: 2 + 2 generations x 2 cycles x 2 = 10 images
    const std::string on_cuda = text;
    replace("\ndevice = \"cuda\"", "\ndevice = \"cpu\"");
    const auto cpu = dir.path() / (name + "-cpu.toml");
    test::write_file(cpu, text);
    const auto ok = test::run_cli("validate " + cpu.string());
    CHECK_MESSAGE(ok.status == 0, ok.output);

    // As shipped (device = "cuda"), a LibTorch without CUDA refuses it at the key's position.
    if (!torch::cuda::is_available()) {
      const auto cuda = dir.path() / (name + "-cuda.toml");
      test::write_file(cuda, on_cuda);
      const auto refused = test::run_cli("validate " + cuda.string());
      CHECK(refused.status == 1);
      const auto key = on_cuda.find("\ndevice = \"cuda\"");  // its line: the newlines up to it, plus one
      const std::string line = std::to_string(std::count(on_cuda.begin(), on_cuda.begin() + key + 1, '\n') + 1);
      CHECK_MESSAGE(refused.output.find(cuda.string() + ":" + line + ":10: run.device: 'cuda': this alchain's LibTorch") !=
                        std::string::npos,
                    refused.output);
    }
  }
}
