// End to end in-process: a small chain on real Fashion-MNIST, its HDF5 file read back and checked.
#include <algorithm>
#include <set>

#include <doctest/doctest.h>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/run/runner.hpp"
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
)";

Pipeline tiny(const std::string& text = kTiny) {
  Diagnostics d("tiny.toml");
  Pipeline p = parse_pipeline(text, "tiny.toml", test::shipped_plugins(), d);
  REQUIRE_MESSAGE(d.empty(), d.str());
  return p;
}

RunSummary run(const Pipeline& p, const std::filesystem::path& out, bool overwrite = false) {
  RunOptions o;
  o.output = out;
  o.quiet = true;
  o.overwrite = overwrite;
  return run_pipeline(p, test::shipped_plugins(), o);
}

std::set<std::int64_t> as_set(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("a two-generation chain writes every cycle, and the file reads back") {
  test::TempDir dir;
  const auto out = dir / "tiny.h5";
  const RunSummary s = run(tiny(), out);
  REQUIRE(s.generations.size() == 2);
  CHECK(s.generations[0].labeled == 200);
  CHECK(s.generations[1].labeled == 250);

  H5::H5File f = test::open_h5(out.string());
  const H5::Group root = f.openGroup("/");
  CHECK(test::attr_string(root, "status") == "complete");
  CHECK(test::attr_string(root, "pipeline_toml") == kTiny);
  CHECK(test::attr_string(root, "alchain_version").size() > 0);

  const auto initial = read_i64(f, "/repeat_0/initial_labeled");
  CHECK(initial.size() == 100);
  CHECK(std::is_sorted(initial.begin(), initial.end()));
  CHECK(as_set(initial).size() == 100);

  for (const std::string arm : {"chain", "random"}) {
    INFO(arm);
    const std::string g0 = "/repeat_0/" + arm + "/gen_0/";
    CHECK(read_i64(f, g0 + "cycle_0/labeled") == initial);  // the same initial set in every arm
    std::vector<std::int64_t> expect = initial;
    for (int c = 0; c < 2; ++c) {
      const std::string cyc = g0 + "cycle_" + std::to_string(c);
      const auto labeled = read_i64(f, cyc + "/labeled");
      CHECK(labeled == expect);
      const auto sel = read_i64(f, cyc + "/selected");
      REQUIRE(sel.size() == 50);
      CHECK(as_set(sel).size() == 50);
      for (auto id : sel) CHECK(as_set(labeled).count(id) == 0);
      expect.insert(expect.end(), sel.begin(), sel.end());
      const double acc = test::attr_double(f.openGroup(cyc), "accuracy");
      CHECK((acc > 0.1 && acc <= 1.0));
      CHECK(test::read_vector<double>(f, cyc + "/per_class_accuracy", H5::PredType::NATIVE_DOUBLE).size() == 10);
    }
    CHECK_FALSE(f.nameExists(g0 + "cycle_2/selected"));            // the last round only trains
    CHECK(read_i64(f, g0 + "cycle_2/labeled") == expect);
    CHECK(read_i64(f, "/repeat_0/" + arm + "/gen_1/cycle_0/labeled") == expect);  // hand-over
    CHECK(read_i64(f, "/repeat_0/" + arm + "/gen_1/cycle_0/selected").size() == 50);
  }

  // Entropy scores cover the whole unlabeled pool, and the picks are their top 50.
  const auto ids = read_i64(f, "/repeat_0/chain/gen_0/cycle_0/score_ids");
  const auto scores = test::read_f32(f, "/repeat_0/chain/gen_0/cycle_0/scores");
  CHECK(ids.size() == 2900);
  CHECK(scores.size() == 2900);
  for (float x : scores) CHECK((x >= 0.0f && x <= std::log(10.0f) + 1e-5f));
  CHECK(top_k_by_score(ids, scores, 50) == read_i64(f, "/repeat_0/chain/gen_0/cycle_0/selected"));
  CHECK(read_i64(f, "/repeat_0/random/gen_0/cycle_0/selected") != read_i64(f, "/repeat_0/chain/gen_0/cycle_0/selected"));
  CHECK_FALSE(f.nameExists("/repeat_0/random/gen_0/cycle_0/scores"));
}

TEST_CASE("the same seed and threads give the same picks and accuracies") {
  test::TempDir dir;
  run(tiny(), dir / "a.h5");
  run(tiny(), dir / "b.h5");
  H5::H5File a = test::open_h5((dir / "a.h5").string()), b = test::open_h5((dir / "b.h5").string());
  for (const char* p : {"/repeat_0/chain/gen_0/cycle_0/selected", "/repeat_0/chain/gen_0/cycle_1/selected",
                        "/repeat_0/chain/gen_1/cycle_0/selected", "/repeat_0/random/gen_1/cycle_0/selected"})
    CHECK(read_i64(a, p) == read_i64(b, p));
  CHECK(test::attr_double(a.openGroup("/repeat_0/chain/gen_1/cycle_1"), "accuracy") ==
        test::attr_double(b.openGroup("/repeat_0/chain/gen_1/cycle_1"), "accuracy"));
}

TEST_CASE("an existing result file is kept unless overwrite is asked for") {
  test::TempDir dir;
  const auto out = dir / "keep.h5";
  test::write_file(out, "precious");
  CHECK_THROWS_WITH(run(tiny(), out), doctest::Contains("result file exists; pass --overwrite"));
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

TEST_CASE("every policy's two-generation pipeline in tests/pipelines/policies runs end to end") {
  const auto dir = test::source_dir() / "tests/pipelines/policies";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 9);
  for (const auto& f : files) {
    INFO(f.filename().string());
    Diagnostics d(f.string());
    const Pipeline p = parse_pipeline(test::read_file(f), f.string(), test::shipped_plugins(), d);
    REQUIRE_MESSAGE(d.empty(), d.str());
    test::TempDir tmp;
    run(p, tmp / "r.h5");
    H5::H5File h = test::open_h5((tmp / "r.h5").string());
    for (const char* g : {"/repeat_0/chain/gen_0/cycle_0/selected", "/repeat_0/chain/gen_1/cycle_0/selected"}) {
      const auto sel = read_i64(h, g);
      CHECK(sel.size() == 60);
      CHECK(as_set(sel).size() == 60);
    }
    CHECK(read_i64(h, "/repeat_0/chain/gen_1/cycle_1/labeled").size() == 220);
    int reference = -1;
    h.openGroup("/repeat_0/chain/gen_1").openAttribute("reference").read(H5::PredType::NATIVE_INT, &reference);
    CHECK(reference == (f.stem() == "true_loss" ? 1 : 0));
  }
}

TEST_CASE("an MC-dropout policy with a model whose dropout is 0 fails before any file is written") {
  test::TempDir dir;
  std::string text = test::read_file(test::source_dir() / "tests/pipelines/policies/bald.toml");
  text.replace(text.find("dropout = 0.3"), 13, "dropout = 0.0");
  CHECK_THROWS_WITH(run(tiny(text), dir / "x.h5"), doctest::Contains("has no dropout > 0: set model_params.dropout"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.h5"));
}
