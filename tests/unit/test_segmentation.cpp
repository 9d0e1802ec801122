// Segmentation end to end: the task's loss and metrics, policies' pixel reductions, the model
// zoo (DeepLabv3+, torchvision's ResNets), and a chain on fmnist_scenes read back from HDF5.
#include <cmath>
#include <numeric>
#include <set>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "alchain/engine/experiment.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/run/task.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"
#include "h5_read.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

CreateContext context(Task task, std::int64_t classes, std::vector<std::int64_t> shape) {
  CreateContext c;
  c.task = task;
  c.num_classes = classes;
  c.input_shape = std::move(shape);
  return c;
}

std::shared_ptr<Model> make_model(const std::string& name, const std::string& params, const CreateContext& ctx) {
  return test::shipped_plugins().create_model(name, test::plugin_params(PluginKind::model, name, params), ctx);
}

std::string creation_error(const std::string& name, const std::string& params, const CreateContext& ctx) {
  try {
    make_model(name, params, ctx);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("confusion matrix: accuracy, recall and IoU, worked by hand") {
  ConfusionMatrix m(4);
  // truth 0 0 1 1 2 and an ignored pixel; class 3 is neither labelled nor predicted.
  m.add(torch::tensor({0, 1, 1, 1, 0, 2}, torch::kInt64), torch::tensor({0, 0, 1, 1, 2, 255}, torch::kInt64));
  CHECK(m.total() == 5);
  CHECK(m.accuracy() == doctest::Approx(3.0 / 5));
  const auto recall = m.recall();
  CHECK(recall[0] == doctest::Approx(0.5));
  CHECK(recall[1] == doctest::Approx(1.0));
  CHECK(recall[2] == doctest::Approx(0.0));
  CHECK(std::isnan(recall[3]));
  const auto iou = m.iou();
  CHECK(iou[0] == doctest::Approx(1.0 / 3));  // hit 1; labelled 2, predicted 2
  CHECK(iou[1] == doctest::Approx(2.0 / 3));  // hit 2; labelled 2, predicted 3
  CHECK(iou[2] == doctest::Approx(0.0));
  CHECK(std::isnan(iou[3]));                  // not in the mean
  CHECK(m.mean_iou() == doctest::Approx(1.0 / 3));
  CHECK(m.counts() == std::vector<std::int64_t>{1, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  CHECK_THROWS_AS(m.add(torch::zeros({2}, torch::kInt64), torch::zeros({3}, torch::kInt64)), std::invalid_argument);
  CHECK(task_ops(Task::segmentation).headline(m) == doctest::Approx(1.0 / 3));
  CHECK(task_ops(Task::classification).headline(m) == doctest::Approx(3.0 / 5));
}

TEST_CASE("segmentation loss: cross-entropy over labelled pixels only; per image, each image's mean") {
  torch::manual_seed(1);
  const at::Tensor logits = torch::randn({2, 3, 2, 2});
  at::Tensor labels = torch::tensor({0, 2, 255, 1, 255, 255, 255, 255}, torch::kInt64).view({2, 2, 2});
  const TaskOps& seg = task_ops(Task::segmentation);
  const at::Tensor logp = torch::log_softmax(logits, 1);
  // The three labelled pixels, all in image 0: (0,0)->0, (0,1)->2, (1,1)->1.
  const double l0 = -logp[0][0][0][0].item<double>(), l1 = -logp[0][2][0][1].item<double>(),
               l2 = -logp[0][1][1][1].item<double>();
  CHECK(seg.loss(logits, labels).item<double>() == doctest::Approx((l0 + l1 + l2) / 3));
  const auto [batch, per] = seg.loss_and_per_sample(logits, labels);
  CHECK(batch.item<double>() == doctest::Approx((l0 + l1 + l2) / 3));
  CHECK(per[0].item<double>() == doctest::Approx((l0 + l1 + l2) / 3));
  CHECK(per[1].item<double>() == 0.0);  // no labelled pixel
  CHECK(seg.predict(logits).sizes() == labels.sizes());
  try {
    seg.check(torch::zeros({2, 3, 4, 4}), labels);
    FAIL("a 4x4 prediction for 2x2 labels was accepted");
  } catch (const std::runtime_error& e) {
    CHECK(contains(e.what(), "[2, 3, 4, 4]"));
    CHECK(contains(e.what(), "[2, 2, 2]"));
  }
  CHECK_THROWS(task_ops(Task::classification).check(logits, labels));
}

TEST_CASE("the entropy plugin reduces per-pixel entropy by the round's reduction") {
  // Image 0: one pixel of uniform logits, 15 confident ones. Image 1: every pixel mildly unsure.
  at::Tensor logits = torch::zeros({2, 3, 4, 4});
  logits[0].select(0, 0).fill_(20.0);
  logits[0].select(1, 0).select(1, 0).zero_();  // the pixel (0, 0): 0 0 0
  logits[1].select(0, 0).fill_(1.5);
  const at::Tensor pixel = uncertainty::entropy(logits);  // [2, 4, 4]
  REQUIRE(pixel[0][0][0].item<double>() == doctest::Approx(std::log(3.0)));

  PoolBatch batch;
  batch.ids = torch::tensor({10, 11}, torch::kInt64);
  batch.logits = logits;
  auto pick = [&](Reduction r, double fraction) {
    auto policy = test::shipped_plugins().create_policy("entropy", test::plugin_params(PluginKind::policy, "entropy", ""),
                                                       context(Task::segmentation, 3, {1, 4, 4}));
    SelectionContext ctx;
    ctx.budget = 1;
    ctx.pool_size = 2;
    ctx.num_classes = 3;
    ctx.task = Task::segmentation;
    ctx.reduction = r;
    ctx.reduction_fraction = fraction;
    policy->begin(ctx);
    policy->observe(batch);
    return policy->select();
  };
  const Selection by_max = pick(Reduction::max, 0.1);
  CHECK(by_max.picked == std::vector<std::int64_t>{10});
  CHECK(by_max.scores[0] == doctest::Approx(std::log(3.0)));
  const Selection by_mean = pick(Reduction::mean, 0.1);
  CHECK(by_mean.picked == std::vector<std::int64_t>{11});
  CHECK(by_mean.scores[1] == doctest::Approx(pixel[1].mean().item<double>()));
  // The top 1/16 of image 0's pixels is its uniform one.
  const Selection by_top = pick(Reduction::top_fraction_mean, 1.0 / 16);
  CHECK(by_top.picked == std::vector<std::int64_t>{10});
}

TEST_CASE("llal on segmentation: a convolutional head maps loss per pixel, trained on image losses, reduced per round") {
  const auto params = test::plugin_params(PluginKind::policy, "llal", "hidden = 16");
  auto seg = test::shipped_plugins().create_policy("llal", params, context(Task::segmentation, 3, {3, 16, 16}));
  auto cls = test::shipped_plugins().create_policy("llal", params, context(Task::classification, 3, {3, 16, 16}));
  const std::map<std::string, std::vector<std::int64_t>> shapes{{"low", {4, 16, 16}}, {"high", {8, 4, 4}}};
  auto head = seg->training_head();
  REQUIRE(head);
  cls->training_head()->reset(shapes, 10);
  CHECK(cls->training_head()->parameters()[0].dim() == 2);  // auto: dense layers for classification
  head->reset(shapes, 10);
  CHECK(head->parameters().size() == 6);  // two 1x1 convolutions and the output one, weights and biases
  for (const auto& p : head->parameters())
    if (p.dim() > 1) CHECK(p.dim() == 4);

  // Each image's loss is the mean of a per-pixel quantity of its low-level features; the head
  // learns to rank images by it from image losses alone.
  auto batch = [](std::int64_t n) {
    ModelOutput out;
    out.taps["low"] = torch::randn({n, 4, 16, 16});
    out.taps["high"] = torch::randn({n, 8, 4, 4});
    return std::make_pair(out, out.taps["low"].select(1, 0).relu().mul(3.0).flatten(1).mean(1));
  };
  torch::manual_seed(3);
  head->train(true);
  torch::optim::Adam opt(head->parameters(), torch::optim::AdamOptions(0.01));
  for (int step = 0; step < 150; ++step) {
    auto [out, loss] = batch(32);
    opt.zero_grad();
    head->loss(out, loss, 0).backward();
    opt.step();
  }
  head->train(false);
  torch::NoGradGuard no_grad;
  auto [out, truth] = batch(64);
  PoolBatch pb;
  pb.ids = torch::arange(64, torch::kInt64);
  pb.taps = out.taps;
  auto scores = [&](Reduction r) {
    SelectionContext ctx;
    ctx.budget = 8;
    ctx.pool_size = 64;
    ctx.num_classes = 3;
    ctx.task = Task::segmentation;
    ctx.reduction = r;
    ctx.reduction_fraction = 0.1;
    seg->begin(ctx);
    seg->observe(pb);
    return torch::tensor(seg->select().scores);
  };
  const at::Tensor by_mean = scores(Reduction::mean), by_max = scores(Reduction::max);
  // Spearman's rank correlation of the predicted and the true image losses.
  auto ranks = [](const at::Tensor& v) { return v.argsort().argsort().to(torch::kFloat); };
  const at::Tensor a = ranks(by_mean) - 31.5, b = ranks(truth) - 31.5;
  const double rho = ((a * b).sum() / (a.norm() * b.norm())).item<double>();
  MESSAGE("rank correlation of predicted and true image losses: " << rho);
  CHECK(rho > 0.8);
  CHECK_FALSE(torch::allclose(by_mean, by_max));  // the map is reduced by the round's reduction
  CHECK((by_max >= by_mean - 1e-5).all().item<bool>());
}

TEST_CASE("deeplabv3plus: logits at the input's size on every backbone, LLAL's taps, output stride") {
  torch::NoGradGuard no_grad;
  const CreateContext ctx = context(Task::segmentation, 5, {3, 33, 47});
  const at::Tensor x = torch::randn({2, 3, 33, 47});
  for (const char* backbone : {"resnet20", "resnet18", "resnet34", "resnet50", "mobilenet_v3_small", "xception65"}) {
    CAPTURE(backbone);
    auto m = make_model("deeplabv3plus",
                        std::string("backbone = \"") + backbone + "\"\naspp_channels = 16\ndecoder_channels = 16", ctx);
    m->eval();
    const ModelOutput out = m->forward(x);
    CHECK(out.logits.sizes() == at::IntArrayRef({2, 5, 33, 47}));
    CHECK(out.embedding.sizes() == at::IntArrayRef({2, m->embedding_dim()}));
    for (const auto& tap : m->tap_names()) CHECK(out.taps.count(tap) == 1);
    CHECK(m->macs({3, 33, 47}) > 0);
    CHECK_FALSE(m->stochastic_passes_available());  // dropout 0 by default, as every shipped model
  }
  // ResNet-18 at 33x47: stem and pool give 9x12; layer2 5x6, layer3 3x3; layer4 dilates at OS 16.
  auto os16 = make_model("deeplabv3plus", "aspp_channels = 8\ndecoder_channels = 8", ctx);
  auto os8 = make_model("deeplabv3plus", "output_stride = 8\naspp_channels = 8\ndecoder_channels = 8", ctx);
  os16->eval();
  os8->eval();
  CHECK(os16->forward(x).taps.at("high_level").sizes() == at::IntArrayRef({2, 512, 3, 3}));
  CHECK(os8->forward(x).taps.at("high_level").sizes() == at::IntArrayRef({2, 512, 5, 6}));
  CHECK(os16->forward(x).taps.at("low_level").sizes() == at::IntArrayRef({2, 64, 9, 12}));
  CHECK(os8->macs({3, 33, 47}) > os16->macs({3, 33, 47}));
  // Xception-65 at 33x47: root 17x24, entry blocks 9x12 (the low-level tap, 256 channels, taken
  // before block 2's stride), 5x6, 3x3; the exit flow dilates at OS 16, the last two flows at 8.
  auto x16 = make_model("deeplabv3plus", "backbone = \"xception65\"\naspp_channels = 8\ndecoder_channels = 8", ctx);
  auto x8 = make_model("deeplabv3plus", "backbone = \"xception65\"\noutput_stride = 8\naspp_channels = 8\ndecoder_channels = 8", ctx);
  x16->eval();
  x8->eval();
  CHECK(x16->forward(x).taps.at("high_level").sizes() == at::IntArrayRef({2, 2048, 3, 3}));
  CHECK(x8->forward(x).taps.at("high_level").sizes() == at::IntArrayRef({2, 2048, 5, 6}));
  CHECK(x16->forward(x).taps.at("low_level").sizes() == at::IntArrayRef({2, 256, 9, 12}));
  CHECK(x8->macs({3, 33, 47}) > x16->macs({3, 33, 47}));
  // The model and the data must agree on the task, both ways, by name.
  CHECK(contains(creation_error("deeplabv3plus", "", context(Task::classification, 5, {3, 32, 32})),
                 "'deeplabv3plus' is made for segmentation"));
  for (const char* classifier : {"lenet5", "resnet20", "resnet18", "mlp"})
    CHECK(contains(creation_error(classifier, "", context(Task::segmentation, 5, {3, 32, 32})),
                   "is made for classification; this dataset's task is segmentation"));
}

TEST_CASE("resnet20's folded batch norms give the plain path's logits, also after more training; deeplabv3plus is channels-last") {
  torch::manual_seed(3);
  struct Case {
    const char* model;
    std::string params;
    CreateContext ctx;
    at::Tensor x, y;
  };
  const Case cases[] = {
      {"deeplabv3plus", "aspp_channels = 16\ndecoder_channels = 16", context(Task::segmentation, 5, {3, 33, 47}),
       torch::randn({2, 3, 33, 47}), torch::randint(0, 5, {2, 33, 47})},
      {"resnet20", "", context(Task::classification, 10, {3, 32, 32}), torch::randn({4, 3, 32, 32}),
       torch::randint(0, 10, {4})},
  };
  for (const Case& c : cases) {
    const std::string model = c.model;
    CAPTURE(model);
    CAPTURE(c.params);
    auto m = make_model(c.model, c.params, c.ctx);
    if (std::string(c.model) == "deeplabv3plus")  // runs channels-last throughout
      for (const at::Tensor& p : m->parameters())
        if (p.dim() == 4) CHECK(p.is_contiguous(at::MemoryFormat::ChannelsLast));
    torch::optim::SGD opt(m->parameters(), torch::optim::SGDOptions(0.05));
    auto train_steps = [&](int n) {  // moves weights and the batch norms' running statistics
      m->train();
      for (int i = 0; i < n; ++i) {
        opt.zero_grad();
        torch::nn::functional::cross_entropy(m->forward(c.x).logits, c.y).backward();
        opt.step();
      }
      m->eval();
    };
    auto relative_gap = [&] {  // plain (autograd off) against folded (InferenceMode) logits
      at::Tensor plain, folded;
      {
        torch::NoGradGuard no_grad;
        plain = m->forward(c.x).logits;
      }
      {
        c10::InferenceMode guard;
        folded = m->forward(c.x).logits.clone();
      }
      CHECK(folded.is_contiguous());
      return (plain - folded).abs().max().item<double>() / plain.abs().max().item<double>();
    };
    train_steps(3);
    CHECK(relative_gap() < 1e-4);
    train_steps(2);  // the cached folded weights must follow (the optimiser moves no version counter)
    CHECK(relative_gap() < 1e-4);
  }
}

TEST_CASE("resnet18/34/50: torchvision's parameter names and counts, and their multiply-adds at 224x224") {
  struct Known {
    const char* name;
    std::int64_t parameters;  // torchvision's, with 1000 classes
    double gmacs_lo, gmacs_hi;
    const char* deepest;
  };
  for (const Known& k : {Known{"resnet18", 11689512, 1.80, 1.83, "layer4.1.bn2.bias"},
                         Known{"resnet34", 21797672, 3.64, 3.69, "layer4.2.bn2.bias"},
                         Known{"resnet50", 25557032, 4.08, 4.13, "layer4.2.conv3.weight"}}) {
    CAPTURE(k.name);
    auto m = make_model(k.name, "", context(Task::classification, 1000, {3, 224, 224}));
    CHECK(m->parameter_count() == k.parameters);
    const auto params = m->named_parameters();
    for (const char* name : {"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                             "layer2.0.downsample.1.bias", "fc.weight", "fc.bias", k.deepest})
      CHECK_MESSAGE(params.contains(name), name);
    const auto buffers = m->named_buffers();
    CHECK(buffers.contains("bn1.running_mean"));
    CHECK(buffers.contains("layer3.1.bn1.num_batches_tracked"));
    const double gmacs = static_cast<double>(m->macs({3, 224, 224})) / 1e9;
    CHECK(gmacs > k.gmacs_lo);
    CHECK(gmacs < k.gmacs_hi);
  }
  torch::NoGradGuard no_grad;
  auto small = make_model("resnet18", "", context(Task::classification, 10, {1, 32, 32}));
  small->eval();
  CHECK(small->forward(torch::randn({3, 1, 32, 32})).logits.sizes() == at::IntArrayRef({3, 10}));
}

namespace {

const char* kSceneChain = R"(schema = 1
name = "scene_chain"
[run]
seed = 2
threads = 2
inference_batch_size = 64
[dataset]
plugin = "fmnist_scenes"
[dataset.params]
size = 32
objects = 2
train_scenes = 300
test_scenes = 60
[budget]
initial = 40
per_cycle = 30
cycles = 1
[training]
epochs = 2
batch_size = 16
lr = 0.02
[[generation]]
name = "old"
model = "deeplabv3plus"
policy = "entropy"
reduction = "top_fraction_mean"
reduction_fraction = 0.2
[generation.model_params]
backbone = "resnet20"
aspp_rates = [1, 2, 3]
aspp_channels = 16
decoder_channels = 16
low_level_channels = 8
[[generation]]
name = "new"
model = "deeplabv3plus"
cycles = 0
[generation.model_params]
backbone = "resnet18"
aspp_rates = [1, 2, 3]
aspp_channels = 16
decoder_channels = 16
)";

std::vector<std::int64_t> read_matrix(H5::H5File& f, const std::string& path, hsize_t dims[2]) {
  H5::DataSet ds = f.openDataSet(path);
  REQUIRE(ds.getSpace().getSimpleExtentNdims() == 2);
  ds.getSpace().getSimpleExtentDims(dims);
  std::vector<std::int64_t> v(dims[0] * dims[1]);
  ds.read(v.data(), H5::PredType::NATIVE_INT64);
  return v;
}

}  // namespace

TEST_CASE("a segmentation chain on fmnist_scenes writes mIoU, per-class IoU and the confusion matrix") {
  test::TempDir dir;
  test::write_file(dir / "scene_chain.toml", kSceneChain);
  const auto out = dir / "scene_chain.h5";
  const test::CliResult r = test::run_cli("run " + (dir / "scene_chain.toml").string() + " -o " + out.string() + " --quiet");
  REQUIRE_MESSAGE(r.status == 0, r.output);

  // Labelled test pixels, counted from the dataset itself.
  auto data = test::make_dataset("fmnist_scenes", "size = 32\nobjects = 2\ntrain_scenes = 300\ntest_scenes = 60");
  const at::Tensor test_labels = data->labels(Split::test, torch::arange(60, torch::kInt64));
  const std::int64_t labelled = test_labels.ne(kIgnoreIndex).sum().item<std::int64_t>();

  H5::H5File f = test::open_h5(out.string());
  const H5::Group root = f.openGroup("/");
  CHECK(test::attr_string(root, "task") == "segmentation");
  CHECK(test::attr_string(root, "metric") == "miou");
  const H5::Group trials = f.openGroup("/trials");
  int rounds_seen = 0, selections = 0;
  for (hsize_t t = 0; t < trials.getNumObjs(); ++t) {
    const std::string trial = trials.getObjnameByIdx(t);
    const H5::Group tg = trials.openGroup(trial);
    std::int64_t rounds = 0;
    tg.openAttribute("rounds").read(H5::PredType::NATIVE_INT64, &rounds);
    for (std::int64_t k = 0; k < rounds; ++k) {
      const std::string path = "/trials/" + trial + "/round_" + std::to_string(k);
      CAPTURE(path);
      const H5::Group g = f.openGroup(path);
      hsize_t dims[2];
      const std::vector<std::int64_t> confusion = read_matrix(f, path + "/confusion", dims);
      REQUIRE(dims[0] == 11);
      REQUIRE(dims[1] == 11);
      CHECK(std::accumulate(confusion.begin(), confusion.end(), std::int64_t{0}) == labelled);
      // The file's mIoU and pixel accuracy are what its confusion matrix says.
      double sum = 0, correct = 0;
      int present = 0;
      for (int c = 0; c < 11; ++c) {
        std::int64_t row = 0, col = 0;
        for (int j = 0; j < 11; ++j) {
          row += confusion[static_cast<std::size_t>(c * 11 + j)];
          col += confusion[static_cast<std::size_t>(j * 11 + c)];
        }
        const std::int64_t hit = confusion[static_cast<std::size_t>(c * 11 + c)];
        correct += static_cast<double>(hit);
        if (row + col - hit > 0) {
          sum += static_cast<double>(hit) / static_cast<double>(row + col - hit);
          ++present;
        }
      }
      const double miou = test::attr_double(g, "miou");
      CHECK(miou == doctest::Approx(sum / present));
      CHECK(miou > 0.0);
      CHECK(test::attr_double(g, "accuracy") == doctest::Approx(correct / static_cast<double>(labelled)));
      CHECK(test::read_f64(f, path + "/per_class_iou").size() == 11);
      if (g.nameExists("scores")) {
        ++selections;
        // Picks are the pool's top scores (each an image's reduced entropy).
        const auto ids = test::read_i64(f, path + "/score_ids");
        const auto scores = test::read_f32(f, path + "/scores");
        const auto picked = test::read_i64(f, path + "/selected");
        CHECK(picked.size() == 30);
        const std::set<std::int64_t> chosen(picked.begin(), picked.end());
        float lowest_picked = INFINITY, highest_left = -INFINITY;
        for (std::size_t i = 0; i < ids.size(); ++i) {
          if (chosen.count(ids[i])) lowest_picked = std::min(lowest_picked, scores[i]);
          else highest_left = std::max(highest_left, scores[i]);
        }
        CHECK(ids.size() == 300 - 40);
        CHECK(lowest_picked >= highest_left);
      }
      ++rounds_seen;
    }
  }
  CHECK(selections == 1);
  CHECK(rounds_seen >= 5);  // chain: old x2, new; random: old, new

  const test::CliResult s = test::run_cli("summary " + out.string());
  REQUIRE_MESSAGE(s.status == 0, s.output);
  CHECK(contains(s.output, "test mIoU"));
  CHECK(contains(s.output, "new"));
  CHECK(contains(s.output, "random"));
}

TEST_CASE("validate: a segmentation pipeline's reduction keys and its models' task, with positions") {
  test::TempDir dir;
  std::string text = kSceneChain;
  text.replace(text.find("reduction = \"top_fraction_mean\""), 31, "reduction = \"median\"");
  test::write_file(dir / "bad_reduction.toml", text);
  test::CliResult r = test::run_cli("validate " + (dir / "bad_reduction.toml").string());
  CHECK(r.status != 0);
  CHECK_MESSAGE(contains(r.output, "bad_reduction.toml:26:"), r.output);
  CHECK(contains(r.output, "median"));

  text = kSceneChain;
  text = text.substr(0, text.find("[[generation]]\nname = \"new\"")) +
         "[[generation]]\nname = \"new\"\nmodel = \"resnet18\"\ncycles = 0\n";
  test::write_file(dir / "classifier.toml", text);
  r = test::run_cli("validate " + (dir / "classifier.toml").string());
  CHECK(r.status != 0);
  CHECK_MESSAGE(contains(r.output, "'resnet18' is made for classification"), r.output);
}
