// Weights by name: torchvision's own forward beside alchain's on the same (random) weights, the
// refusals with their lists, loading into a backbone, and `weights` in a pipeline.
#include <doctest/doctest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/run/weights.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/sdk/model.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::shared_ptr<Model> make_model(const std::string& name, std::vector<std::int64_t> shape, std::int64_t classes,
                                  const std::string& params_toml = "") {
  const auto& info = test::shipped_plugins().get(PluginKind::model, name);
  CreateContext ctx;
  ctx.num_classes = classes;
  ctx.input_shape = std::move(shape);
  ctx.task = info.has(ALCHAIN_FLAG_SEGMENTATION) ? Task::segmentation : Task::classification;
  return test::shipped_plugins().create_model(name, test::plugin_params(PluginKind::model, name, params_toml), ctx);
}

/// tools/export_torchvision.py with Debian's Python: `args` after the script; the output folder
/// gets MODEL.pt (MODEL-backbone.pt with --backbone). A failure fails the test with its output.
void export_torchvision(const std::string& args) {
  const std::string cmd = "/usr/bin/python3 " + (test::source_dir() / "tools/export_torchvision.py").string() + " " + args;
  const test::CliResult r = test::run_shell(cmd);
  REQUIRE_MESSAGE(r.status == 0, cmd << "\n" << r.output);
}

std::string load_error(torch::nn::Module& model, const std::string& path, const std::string& into = "") {
  try {
    load_weights(model, path, into);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

/// One exported set of random weights for the whole file: python3 and torch start once.
const test::TempDir& exported() {
  static test::TempDir dir;
  static bool done = false;
  if (!done) {
    export_torchvision("resnet18 resnet50 mobilenet_v3_small mobilenet_v3_large -o " + dir.path().string() + " --seed 7");
    export_torchvision("resnet18 mobilenet_v3_small -o " + dir.path().string() + " --backbone --seed 8");
    done = true;
  }
  return dir;
}

}  // namespace

TEST_CASE("torchvision's forward and alchain's agree on the same weights (resnet18, resnet50, mobilenet_v3_small/large)") {
  const auto& dir = exported();
  for (const std::string name : {"resnet18", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large"}) {
    INFO(name);
    const std::string file = (dir / (name + ".pt")).string();
    auto ours = make_model(name, {3, 96, 112}, 1000);
    load_weights(*ours, file);
    ours->eval();
    torch::jit::Module theirs = torch::jit::load(file);
    theirs.eval();
    torch::manual_seed(3);
    const at::Tensor x = torch::randn({2, 3, 96, 112});
    torch::NoGradGuard no_grad;
    const at::Tensor a = ours->forward(x).logits;
    const at::Tensor b = theirs.forward({x}).toTensor();
    REQUIRE(a.sizes() == b.sizes());
    const double diff = (a - b).abs().max().item<double>();
    const double scale = b.abs().max().item<double>();
    MESSAGE(name << ": max |alchain - torchvision| = " << diff << " (logits up to " << scale << ")");
    CHECK(diff <= 1e-4);
    CHECK(scale > 1e-2);  // the comparison saw real logits, not zeros
    // The file's parameter count is the model's.
    std::int64_t n = 0;
    for (const auto& p : theirs.parameters()) n += p.numel();
    CHECK(n == ours->parameter_count());
  }
}

TEST_CASE("weights that do not fit are refused with the missing, unexpected and mis-shaped tensors, and nothing is copied") {
  const auto& dir = exported();
  const std::string r18 = (dir / "resnet18.pt").string();

  auto r34 = make_model("resnet34", {3, 64, 64}, 1000);
  const at::Tensor before = r34->named_parameters()["conv1.weight"].clone();
  std::string e = load_error(*r34, r18);
  CHECK(contains(e, r18 + ": the weights do not fit the model"));
  CHECK(contains(e, "missing from the file"));
  CHECK(contains(e, "layer1.2.conv1.weight"));
  CHECK(contains(e, "unexpected") == false);
  CHECK(r34->named_parameters()["conv1.weight"].equal(before));  // checked before anything is copied

  auto r18_10 = make_model("resnet18", {3, 64, 64}, 10);
  e = load_error(*r18_10, r18);
  CHECK(contains(e, "mis-shaped (2): fc.bias (model [10], file [1000]), fc.weight (model [10, 512], file [1000, 512])"));

  auto r50 = make_model("resnet50", {3, 64, 64}, 1000);
  e = load_error(*r50, r18);
  CHECK(contains(e, "missing from the file"));
  CHECK(contains(e, "layer1.0.conv3.weight"));
  CHECK(contains(e, "mis-shaped"));

  // A classifier's file has fc.*: the backbone of DeepLabv3+ does not.
  auto seg = make_model("deeplabv3plus", {3, 64, 64}, 5);
  e = load_error(*seg, r18, "backbone");
  CHECK(contains(e, "unexpected, not in the model (2): fc.bias, fc.weight"));
  e = load_error(*seg, r18, "head");
  CHECK(contains(e, "weights_into 'head': the model has no parameters under that name"));
  CHECK(contains(e, "backbone"));

  test::write_file(dir / "garbage.pt", "PK\x03\x04 not a zip at all");
  e = load_error(*r34, (dir / "garbage.pt").string());
  CHECK(contains(e, "garbage.pt: not a TorchScript file of weights"));
  e = load_error(*r34, (dir / "absent.pt").string());
  CHECK(contains(e, "absent.pt: not a TorchScript file of weights"));
}

TEST_CASE("a backbone export loads into DeepLabv3+ (ResNet-18, MobileNetV3-Small) with weights_into = backbone") {
  const auto& dir = exported();
  for (const std::string name : {"resnet18", "mobilenet_v3_small"}) {
    INFO(name);
    const std::string file = (dir / (name + "-backbone.pt")).string();
    auto seg = make_model("deeplabv3plus", {3, 64, 64}, 5, "backbone = \"" + name + "\"");
    const at::Tensor head_before = seg->named_parameters()["classifier.weight"].clone();
    load_weights(*seg, file, "backbone");
    torch::jit::Module theirs = torch::jit::load(file);
    const std::string first = name == "resnet18" ? "conv1.weight" : "features.0.0.weight";
    at::Tensor loaded;
    for (const auto& p : theirs.named_parameters()) if (p.name == first) loaded = p.value;
    REQUIRE(loaded.defined());
    CHECK(seg->named_parameters()["backbone." + first].equal(loaded));
    CHECK(seg->named_parameters()["classifier.weight"].equal(head_before));  // the head keeps its initialisation
  }
}

TEST_CASE("a pipeline's weights: checked against the model by validate with their position, and loaded by run") {
  test::TempDir dir;
  // An alchain checkpoint is a TorchScript file too: an mlp's weights for Fashion-MNIST.
  auto mlp = make_model("mlp", {1, 32, 32}, 10);  // fashion_mnist pads to 32x32
  torch::serialize::OutputArchive out;
  mlp->save(out);
  out.save_to((dir / "mlp.pt").string());
  export_torchvision("resnet18 -o " + dir.path().string() + " --seed 1");
  const std::string text = R"(schema = 1
[run]
seed = 5
[dataset]
plugin = "fashion_mnist"
params = { train_limit = 300, test_limit = 200 }
[budget]
initial = 100
cycles = 0
[training]
epochs = 1
[[generation]]
model = "mlp"
weights = "mlp.pt"
)";
  test::write_file(dir / "ok.toml", text);
  test::CliResult r = test::run_cli("validate " + (dir / "ok.toml").string());
  CHECK_MESSAGE(r.status == 0, r.output);
  // plan names the file (the fingerprint holds only its digest).
  r = test::run_cli("plan " + (dir / "ok.toml").string() + " --brief");
  CHECK_MESSAGE(r.status == 0, r.output);
  CHECK_MESSAGE(contains(r.output, "  weights: gen0 from " + (dir / "mlp.pt").string() + ", fnv1a "), r.output);

  std::string bad = text;
  const std::string mine = "model = \"mlp\"\nweights = \"mlp.pt\"";
  bad.replace(bad.find(mine), mine.size(), "model = \"lenet5\"\nweights = \"resnet18.pt\"");
  test::write_file(dir / "bad.toml", bad);
  r = test::run_cli("validate " + (dir / "bad.toml").string());
  CHECK(r.status != 0);
  CHECK_MESSAGE(contains(r.output, "bad.toml:14:11: model 'gen0': "), r.output);
  CHECK(contains(r.output, "resnet18.pt: the weights do not fit the model"));
  CHECK(contains(r.output, "missing from the file"));

  // run loads them into the trained model (a file that fits: the run goes through).
  r = test::run_cli("run " + (dir / "ok.toml").string() + " -o " + (dir / "ok.h5").string() + " --threads 1");
  CHECK_MESSAGE(r.status == 0, r.output);
  CHECK(std::filesystem::exists(dir / "ok.h5"));
}
