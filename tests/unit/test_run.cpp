// End to end in-process: a small chain on real Fashion-MNIST, its HDF5 file read back and checked.
#include <algorithm>
#include <set>

#include <doctest/doctest.h>
#include <torch/cuda.h>

#include "alchain/engine/experiment.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plan/plan.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/sdk/policy.hpp"
#include "h5_read.hpp"
#include "test_support.hpp"

using namespace alchain;
using test::read_i64;

namespace {

const char* kTiny = R"(schema = 1
name = "tiny"
[run]
seed = 5
threads = 2
inference_batch_size = 256
[dataset]
plugin = "fashion_mnist"
[dataset.params]
train_limit = 3000
test_limit = 500
[budget]
initial = 100
per_cycle = 50
cycles = 2
[training]
epochs = 2
batch_size = 32
[[generation]]
model = "mlp"
policy = "entropy"
[generation.model_params]
hidden = [64]
[[generation]]
model = "lenet5"
policy = "margin"
cycles = 1
[generation.training]
epochs = 8
)";

Pipeline tiny(const std::string& text = kTiny) {
  Diagnostics d("tiny.toml");
  Pipeline p = parse_pipeline(text, "tiny.toml", test::shipped_plugins(), d);
  REQUIRE_MESSAGE(d.empty(), d.str());
  return p;
}

RunOutcome run(const Pipeline& p, const std::filesystem::path& out, bool overwrite = false) {
  RunOptions o;
  o.output = out;
  o.quiet = true;
  o.overwrite = overwrite;
  return run_experiment(p, test::shipped_plugins(), o);
}

std::set<std::int64_t> as_set(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

std::string round_path(const std::string& trial, int k) { return "/trials/" + trial + "/round_" + std::to_string(k); }

}  // namespace

TEST_CASE("a two-generation chain writes every round of its trials, and the file reads back") {
  test::TempDir dir;
  const auto out = dir / "tiny.h5";
  const Pipeline p = tiny();
  run(p, out);
  CHECK_FALSE(std::filesystem::exists(shard_dir_for(out)));  // the shards are gone once the file is complete

  H5::H5File f = test::open_h5(out.string());
  const H5::Group root = f.openGroup("/");
  CHECK(test::attr_string(root, "status") == "complete");
  CHECK(test::attr_string(root, "format") == "alchain-results");
  CHECK(test::attr_string(root, "pipeline_toml") == kTiny);
  CHECK(test::attr_string(root, "plan_kind") == "chain");
  CHECK(test::attr_string(root, "alchain_version").size() > 0);

  // The chain: gen0 trains at 100, 150 (both pick 50) and 200; gen1 at 200 (picks) and 250.
  const std::string chain = "chain:r0";
  const std::vector<std::int64_t> sizes{100, 150, 200, 200, 250};
  const std::vector<int> picks{1, 1, 0, 1, 0};
  std::vector<std::int64_t> expect = read_i64(f, round_path(chain, 0) + "/labeled");
  CHECK(std::is_sorted(expect.begin(), expect.end()));  // the initial set
  CHECK(as_set(expect).size() == 100);
  for (int k = 0; k < 5; ++k) {
    INFO("round " << k);
    const std::string r = round_path(chain, k);
    const auto labeled = read_i64(f, r + "/labeled");
    CHECK(labeled.size() == static_cast<std::size_t>(sizes[k]));
    CHECK(labeled == expect);
    CHECK(f.nameExists(r + "/selected") == (picks[k] == 1));
    if (picks[k]) {
      const auto sel = read_i64(f, r + "/selected");
      REQUIRE(sel.size() == 50);
      CHECK(as_set(sel).size() == 50);
      for (auto id : sel) CHECK(as_set(labeled).count(id) == 0);
      expect.insert(expect.end(), sel.begin(), sel.end());
    }
    const double acc = test::attr_double(f.openGroup(r), "accuracy");
    CHECK((acc > 0.1 && acc <= 1.0));
    CHECK(test::read_vector<double>(f, r + "/per_class_accuracy", H5::PredType::NATIVE_DOUBLE).size() == 10);
  }
  CHECK(test::attr_string(f.openGroup(round_path(chain, 2)), "summary_row") == "gen0");
  CHECK(test::attr_string(f.openGroup(round_path(chain, 4)), "summary_row") == "gen1");

  // Entropy scores cover the whole unlabeled pool, and the picks are their top 50.
  const auto ids = read_i64(f, round_path(chain, 0) + "/score_ids");
  const auto scores = test::read_f32(f, round_path(chain, 0) + "/scores");
  CHECK(ids.size() == 2900);
  CHECK(scores.size() == 2900);
  for (float x : scores) CHECK((x >= 0.0f && x <= std::log(10.0f) + 1e-5f));
  const std::uint64_t policy_seed = test::attr_u64(f.openGroup(round_path(chain, 0)), "policy_seed");
  CHECK(top_k_by_score(ids, scores, 50, policy_seed) == read_i64(f, round_path(chain, 0) + "/selected"));

  // The random baseline needs no model to pick: one training per generation, on the repeat's
  // random order, from the same initial set and with the same seeds as the chain's round.
  for (const auto& [gen, n, k] : {std::tuple{"gen0", 200, 2}, std::tuple{"gen1", 250, 4}}) {
    INFO(gen);
    const std::string t = std::string("train:") + gen + ":random:r0";
    CHECK(test::attr_string(f.openGroup("/trials/" + t), "column") == "random");
    const auto labeled = read_i64(f, round_path(t, 0) + "/labeled");
    REQUIRE(labeled.size() == static_cast<std::size_t>(n));
    CHECK(std::vector<std::int64_t>(labeled.begin(), labeled.begin() + 100) ==
          read_i64(f, round_path(chain, 0) + "/labeled"));
    CHECK_FALSE(f.nameExists(round_path(t, 0) + "/selected"));
    const H5::Group a = f.openGroup(round_path(t, 0)), b = f.openGroup(round_path(chain, k));
    std::uint64_t sa = 0, sb = 0;
    a.openAttribute("init_seed").read(H5::PredType::NATIVE_UINT64, &sa);
    b.openAttribute("init_seed").read(H5::PredType::NATIVE_UINT64, &sb);
    CHECK(sa == sb);
    CHECK(labeled != read_i64(f, round_path(chain, k) + "/labeled"));
  }
  CHECK(read_i64(f, round_path("train:gen1:random:r0", 0) + "/labeled").size() == 250);
}

TEST_CASE("the same seed and threads give the same picks and accuracies") {
  test::TempDir dir;
  run(tiny(), dir / "a.h5");
  run(tiny(), dir / "b.h5");
  H5::H5File a = test::open_h5((dir / "a.h5").string()), b = test::open_h5((dir / "b.h5").string());
  for (int k : {0, 1, 3}) CHECK(read_i64(a, round_path("chain:r0", k) + "/selected") == read_i64(b, round_path("chain:r0", k) + "/selected"));
  CHECK(test::attr_double(a.openGroup(round_path("chain:r0", 4)), "accuracy") ==
        test::attr_double(b.openGroup(round_path("chain:r0", 4)), "accuracy"));
  CHECK(test::attr_double(a.openGroup(round_path("train:gen1:random:r0", 0)), "accuracy") ==
        test::attr_double(b.openGroup(round_path("train:gen1:random:r0", 0)), "accuracy"));
}

TEST_CASE("an existing result file is kept unless overwrite is asked for") {
  test::TempDir dir;
  const auto out = dir / "keep.h5";
  test::write_file(out, "precious");
  CHECK_THROWS_WITH(run(tiny(), out), doctest::Contains("result file exists; pass --resume to continue it or --overwrite"));
  CHECK(test::read_file(out) == "precious");
  run(tiny(), out, true);
  H5::H5File f = test::open_h5(out.string());
  CHECK(test::attr_string(f.openGroup("/"), "status") == "complete");
}

TEST_CASE("a budget larger than the pool fails before any file is written") {
  test::TempDir dir;
  std::string text = kTiny;
  text.replace(text.find("per_cycle = 50"), 14, "per_cycle = 2000");
  CHECK_THROWS_WITH(run(tiny(text), dir / "x.h5"), doctest::Contains("the pool has 3000"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.h5"));
}

TEST_CASE("run.device: cpu runs; cuda is refused by validate at its position when LibTorch has no CUDA") {
  test::TempDir dir;
  std::string text = kTiny;
  text.replace(text.find("threads = 2"), 11, "threads = 2\ndevice = \"cpu\"");
  const Pipeline p = tiny(text);
  CHECK(p.run.device == "cpu");
  const auto out = dir / "cpu.h5";
  run(p, out);
  CHECK(test::attr_string(test::open_h5(out.string()).openGroup("/"), "status") == "complete");

  text.replace(text.find("device = \"cpu\""), 14, "device = \"cuda\"");
  test::write_file(dir / "cuda.toml", text);
  const test::CliResult r = test::run_cli("validate " + (dir / "cuda.toml").string());
  if (torch::cuda::is_available()) {
    CHECK_MESSAGE(r.status == 0, r.output);
  } else {
    CHECK(r.status != 0);
    CHECK_MESSAGE(r.output.find("cuda.toml:6:10: run.device: 'cuda': this alchain's LibTorch") != std::string::npos, r.output);
    CHECK(r.output.find("has no CUDA") != std::string::npos);
    // run refuses it before any file exists
    CHECK_THROWS_WITH(run(tiny(text), dir / "cuda.h5"), doctest::Contains("run.device: 'cuda'"));
    CHECK_FALSE(std::filesystem::exists(dir / "cuda.h5"));
  }
}

TEST_CASE("every policy's two-generation pipeline in tests/pipelines/policies runs end to end") {
  const auto dir = test::source_dir() / "tests/pipelines/policies";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 11);
  for (const auto& f : files) {
    INFO(f.filename().string());
    Diagnostics d(f.string());
    const Pipeline p = parse_pipeline(test::read_file(f), f.string(), test::shipped_plugins(), d);
    REQUIRE_MESSAGE(d.empty(), d.str());
    test::TempDir tmp;
    run(p, tmp / "r.h5");
    H5::H5File h = test::open_h5((tmp / "r.h5").string());
    // gen0 picks in round 0, trains on the hand-over in round 1; gen1 picks in round 2.
    for (int k : {0, 2}) {
      const auto sel = read_i64(h, round_path("chain:r0", k) + "/selected");
      CHECK(sel.size() == 60);
      CHECK(as_set(sel).size() == 60);
    }
    CHECK(read_i64(h, round_path("chain:r0", 3) + "/labeled").size() == 220);
    // A training head (LLAL's, also through power) trains only with models that then select:
    // hand-over and deployment rounds are trained alike in every arm and cell.
    const bool has_head = f.filename().string().find("llal") != std::string::npos;
    for (int k : {0, 1, 2, 3}) {
      INFO("round " << k);
      const std::string head = test::attr_string(h.openGroup(round_path("chain:r0", k)), "training_head");
      CHECK(head == (has_head && (k == 0 || k == 2) ? test::attr_string(h.openGroup(round_path("chain:r0", k)), "policy") : ""));
      if (has_head && (k == 0 || k == 2)) CHECK_FALSE(head.empty());
    }
  }
}

TEST_CASE("an MC-dropout policy with a model whose dropout is 0 fails before any file is written") {
  test::TempDir dir;
  std::string text = test::read_file(test::source_dir() / "tests/pipelines/policies/bald.toml");
  text.replace(text.find("dropout = 0.3"), 13, "dropout = 0.0");
  CHECK_THROWS_WITH(run(tiny(text), dir / "x.h5"), doctest::Contains("has no dropout > 0: set model_params.dropout"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.h5"));
}

TEST_CASE("training: min_steps raises the epochs of small labeled sets; augmentation is seeded and recorded") {
  test::TempDir dir;
  std::string text = kTiny;
  // 100 samples in batches of 32 are 4 steps an epoch: 2 epochs give 8 steps, min_steps 20 asks for 5 epochs.
  text.replace(text.find("batch_size = 32"), 15, "batch_size = 32\nmin_steps = 20");
  run(tiny(text), dir / "steps.h5");
  {
    H5::H5File f = test::open_h5((dir / "steps.h5").string());
    const H5::Group r0 = f.openGroup(round_path("chain:r0", 0));
    CHECK(test::read_i64(f, round_path("chain:r0", 0) + "/labeled").size() == 100);
    std::int64_t epochs = 0, steps = 0;
    r0.openAttribute("epochs").read(H5::PredType::NATIVE_INT64, &epochs);
    r0.openAttribute("steps").read(H5::PredType::NATIVE_INT64, &steps);
    CHECK(epochs == 5);
    CHECK(steps == 20);
    CHECK(test::attr_string(r0, "training").find("min_steps=20") != std::string::npos);
    // 150 samples are 5 steps an epoch (the last batch has 22): 4 epochs reach 20.
    const H5::Group r1 = f.openGroup(round_path("chain:r0", 1));
    r1.openAttribute("epochs").read(H5::PredType::NATIVE_INT64, &epochs);
    r1.openAttribute("steps").read(H5::PredType::NATIVE_INT64, &steps);
    CHECK(epochs == 4);
    CHECK(steps == 20);
    // gen1 trains 8 epochs: 250 samples give 64 steps, more than asked, so nothing changes.
    const H5::Group last = f.openGroup(round_path("chain:r0", 4));
    last.openAttribute("epochs").read(H5::PredType::NATIVE_INT64, &epochs);
    last.openAttribute("steps").read(H5::PredType::NATIVE_INT64, &steps);
    CHECK(epochs == 8);
    CHECK(steps == 64);
  }
  std::string aug = kTiny;
  aug.replace(aug.find("batch_size = 32"), 15, "batch_size = 32\naugment_crop_padding = 2\naugment_hflip = true");
  run(tiny(aug), dir / "aug1.h5");
  run(tiny(aug), dir / "aug2.h5");
  run(tiny(kTiny), dir / "plain.h5");
  H5::H5File a = test::open_h5((dir / "aug1.h5").string());
  H5::H5File b = test::open_h5((dir / "aug2.h5").string());
  H5::H5File c = test::open_h5((dir / "plain.h5").string());
  const std::string r0 = round_path("chain:r0", 0);
  CHECK(test::attr_string(a.openGroup(r0), "training").find("augment_crop_padding=2,augment_hflip=1") != std::string::npos);
  CHECK(test::attr_string(c.openGroup(r0), "training").find("augment") == std::string::npos);
  CHECK(test::attr_double(a.openGroup(r0), "train_loss") == test::attr_double(b.openGroup(r0), "train_loss"));
  CHECK(read_i64(a, r0 + "/selected") == read_i64(b, r0 + "/selected"));
  CHECK(test::attr_double(a.openGroup(r0), "train_loss") != test::attr_double(c.openGroup(r0), "train_loss"));
}
