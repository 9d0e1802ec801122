// Operational assessment end to end: real plugins, real Fashion-MNIST, the HDF5 file read back.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "alchain/daic/cycle.hpp"
#include "alchain/daic/shift.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/sdk/dataset.hpp"
#include "h5_read.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

/// A small assessment: mlp, `windows` windows of 300, 60 labels each, noise growing.
std::string small_assessment(const std::string& oracle_block, const std::string& sampling_block, int windows = 2,
                             const std::string& models = "") {
  std::string severity = "[";
  for (int w = 0; w < windows; ++w) severity += (w ? ", " : "") + std::to_string(3 * w);
  severity += "]";
  return "schema = 1\nname = \"tiny_assessment\"\n"
         "[run]\nseed = 3\nthreads = 1\n"
         "[dataset]\nplugin = \"fashion_mnist\"\n"
         "[training]\nepochs = 2\nbatch_size = 32\n" +
         models + "[assessment]\nmodel = \"mlp\"\ntrain = 300\ncalibration = 200\nwindow_size = 300\nwindows = " +
         std::to_string(windows) + "\n" + oracle_block + "\n[assessment.sampling]\n" + sampling_block +
         "\n[assessment.shift]\ncorruption = \"noise\"\nseverity = " + severity + "\n";
}

Pipeline load_text(const test::TempDir& dir, const std::string& text) {
  const auto file = dir / "assessment.toml";
  test::write_file(file, text);
  return load_pipeline(file, test::shipped_plugins());
}

}  // namespace

TEST_CASE("an assessment runs window by window and its result file holds what the table says") {
  test::TempDir dir;
  const Pipeline p = load_text(dir, small_assessment("oracle = \"confidence\"",
                                                     "design = \"stratified\"\nestimator = \"stratified\"\nbudget = 60"));
  AssessmentOptions opts;
  opts.output = dir / "out.h5";
  opts.quiet = true;
  const AssessmentOutcome out = run_assessment(p, test::shipped_plugins(), opts);
  REQUIRE(out.rows.size() == 2);

  // The truth the file records is the dataset's: re-read the labels through the plugin.
  std::shared_ptr<Dataset> data = open_dataset(p, test::shipped_plugins());
  H5::H5File f = test::open_h5(opts.output.string());
  H5::Group root = f.openGroup("/");
  CHECK(test::attr_string(root, "format") == "alchain-assessment");
  CHECK(test::attr_u64(root, "windows_done") == 2);
  CHECK(test::attr_u64(root, "complete") == 1);
  const auto train_ids = test::read_i64(f, "sets/train_ids");
  const auto calibration_ids = test::read_i64(f, "sets/calibration_ids");
  CHECK(train_ids.size() == 300);
  CHECK(calibration_ids.size() == 200);
  std::set<std::int64_t> seen(train_ids.begin(), train_ids.end());
  seen.insert(calibration_ids.begin(), calibration_ids.end());
  CHECK(seen.size() == 500);

  const AssessmentOutcome back = read_assessment(opts.output);
  REQUIRE(back.rows.size() == 2);
  for (int w = 0; w < 2; ++w) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "windows/%03d/", w);
    const std::string g = buf;
    const auto ids = test::read_i64(f, g + "ids");
    const auto correct = test::read_i64(f, g + "correct");
    const auto predicted = test::read_i64(f, g + "predicted");
    const auto sampled_index = test::read_i64(f, g + "sampled_index");
    const auto sampled_ids = test::read_i64(f, g + "sampled_ids");
    const auto f_scores = test::read_f64(f, g + "f");
    const auto inclusion = test::read_f64(f, g + "inclusion");
    REQUIRE(ids.size() == 300);
    for (std::int64_t id : ids) CHECK(seen.insert(id).second);  // windows are disjoint from the sets and each other
    const at::Tensor labels = data->labels(Split::train, torch::tensor(ids, torch::kInt64));
    double right = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      CHECK(correct[i] == (predicted[i] == labels[static_cast<std::int64_t>(i)].item<std::int64_t>() ? 1 : 0));
      CHECK(f_scores[i] >= 0.0);
      CHECK(f_scores[i] <= 1.0);
      right += static_cast<double>(correct[i]);
    }
    const WindowRow& r = out.rows[static_cast<std::size_t>(w)];
    CHECK(r.true_accuracy == doctest::Approx(right / 300.0).epsilon(1e-12));
    CHECK(r.online == doctest::Approx(std::accumulate(f_scores.begin(), f_scores.end(), 0.0) / 300.0).epsilon(1e-12));
    CHECK(r.labels == 60);
    REQUIRE(sampled_index.size() == 60);
    REQUIRE(inclusion.size() == 60);
    std::int64_t failures = 0;
    for (std::size_t k = 0; k < sampled_index.size(); ++k) {
      CHECK(sampled_ids[k] == ids[static_cast<std::size_t>(sampled_index[k])]);
      CHECK(inclusion[k] > 0.0);
      CHECK(inclusion[k] <= 1.0);
      failures += correct[static_cast<std::size_t>(sampled_index[k])] == 0;
    }
    CHECK(r.failures == failures);
    CHECK(r.covered == (r.lo <= r.true_accuracy && r.true_accuracy <= r.hi));
    CHECK(r.lo < r.hi);
    CHECK(r.train_size_after == 300 + 60 * (w + 1));
    CHECK(r.test_accuracy_after > 0.3);
    CHECK(r.severity == 3.0 * w);
    // The file and the outcome agree.
    CHECK(back.rows[static_cast<std::size_t>(w)].estimate == r.estimate);
    CHECK(back.rows[static_cast<std::size_t>(w)].hi == r.hi);
  }
  // Window 0 is clean and the first model is deployed: retraining has not happened yet.
  CHECK(out.rows[0].baseline_accuracy == out.rows[0].true_accuracy);

  SUBCASE("the same pipeline and seed give the same numbers") {
    AssessmentOptions again = opts;
    again.output = dir / "again.h5";
    const AssessmentOutcome o2 = run_assessment(p, test::shipped_plugins(), again);
    for (std::size_t w = 0; w < 2; ++w) {
      CHECK(o2.rows[w].estimate == out.rows[w].estimate);
      CHECK(o2.rows[w].true_accuracy == out.rows[w].true_accuracy);
      CHECK(o2.rows[w].online == out.rows[w].online);
    }
  }
  SUBCASE("an existing result file is refused and left as it was") {
    const std::string before = test::read_file(opts.output);
    CHECK_THROWS_WITH_AS(run_assessment(p, test::shipped_plugins(), opts), doctest::Contains("exists"), std::runtime_error);
    CHECK(test::read_file(opts.output) == before);
  }
}

TEST_CASE("oracles that need other models run with them: agreement with companions, a reference model, MC dropout") {
  test::TempDir dir;
  const std::string mc_model = "[models.mlp]\nplugin = \"mlp\"\nparams = { dropout = 0.3 }\n";
  for (const std::string& block :
       {std::string("oracle = \"agreement\"\ncompanions = [\"mlp\", \"lenet5\"]"),
        std::string("oracle = \"reference_model\"\nreference = \"lenet5\"\nreference_train = 600"),
        std::string("oracle = \"mc_dropout\"\noracle_params = { passes = 4 }")}) {
    CAPTURE(block);
    const bool mc = block.find("mc_dropout") != std::string::npos;
    const Pipeline p = load_text(dir, small_assessment(block, "design = \"srs\"\nestimator = \"ppi\"\nbudget = 50", 1,
                                                       mc ? mc_model : ""));
    AssessmentOptions opts;
    opts.output = dir / "out.h5";
    opts.overwrite = true;
    opts.quiet = true;
    const AssessmentOutcome out = run_assessment(p, test::shipped_plugins(), opts);
    REQUIRE(out.rows.size() == 1);
    CHECK(out.rows[0].labels == 50);
    CHECK(out.rows[0].online > 0.0);
    CHECK(out.rows[0].online < 1.0);
    CHECK(out.rows[0].lambda >= 0.0);
    CHECK(out.rows[0].lambda <= 1.0);
    // An srs sample is estimated by every estimator srs allows; the pipeline's (ppi) is the row's.
    H5::H5File f = test::open_h5(opts.output.string());
    CHECK(test::attr_double(f.openGroup("windows/000/estimates/ppi"), "estimate") == out.rows[0].estimate);
    const double wilson = test::attr_double(f.openGroup("windows/000/estimates/srs_wilson"), "estimate");
    CHECK(wilson == doctest::Approx(1.0 - static_cast<double>(out.rows[0].failures) / 50.0).epsilon(1e-12));
    CHECK(f.openGroup("windows/000/estimates").getNumObjs() == 3);
  }
}

TEST_CASE("an MC-dropout oracle on a model whose dropout is 0 is refused before the file is written") {
  test::TempDir dir;
  {
    const Pipeline p = load_text(dir, small_assessment("oracle = \"mc_dropout\"", "budget = 50", 1));
    AssessmentOptions opts;
    opts.output = dir / "none.h5";
    opts.quiet = true;
    CHECK_THROWS_WITH(run_assessment(p, test::shipped_plugins(), opts), doctest::Contains("dropout parameter"));
    CHECK_FALSE(std::filesystem::exists(opts.output));
  }
}

TEST_CASE("a window's corruption is applied to its inputs only, seeded per input") {
  test::TempDir dir;
  const Pipeline p = load_text(dir, small_assessment("oracle = \"confidence\"", "budget = 10"));
  std::shared_ptr<Dataset> base = open_dataset(p, test::shipped_plugins());
  const at::Tensor ids = torch::tensor(std::vector<std::int64_t>{5, 6, 7}, torch::kInt64);
  const at::Tensor clean = base->inputs(Split::train, ids);
  for (const char* name : {"blur", "noise", "brightness", "contrast", "rotation"}) {
    CAPTURE(name);
    const auto c = assess::corruption_from_string(name);
    assess::OperationalDataset op(base, c, 42);
    op.expose({6}, 3.0);
    const at::Tensor x = op.inputs(Split::train, ids);
    CHECK(torch::equal(x[0], clean[0]));
    CHECK(torch::equal(x[2], clean[2]));
    CHECK_FALSE(torch::equal(x[1], clean[1]));
    CHECK(torch::equal(op.inputs(Split::train, ids), x));  // the same input is corrupted the same way every time
    CHECK(torch::equal(op.inputs(Split::test, ids), base->inputs(Split::test, ids)));
    op.expose({6}, 0.0);
    CHECK(torch::equal(op.inputs(Split::train, ids)[1], clean[1]));
  }
  // Stronger severity moves the input further.
  assess::OperationalDataset op(base, assess::Corruption::noise, 1);
  op.expose({6}, 1.0);
  const double d1 = (op.inputs(Split::train, ids)[1] - clean[1]).norm().item<double>();
  op.expose({6}, 4.0);
  const double d4 = (op.inputs(Split::train, ids)[1] - clean[1]).norm().item<double>();
  CHECK(d4 > 3.0 * d1);
}

TEST_CASE("windows follow the class priors they are given") {
  std::vector<std::int64_t> ids(10000), labels(10000);
  for (std::int64_t i = 0; i < 10000; ++i) {
    ids[static_cast<std::size_t>(i)] = i;
    labels[static_cast<std::size_t>(i)] = i % 10;
  }
  const auto w = assess::draw_windows(ids, labels, 10, 2, 2000, {0.0, 1.0}, 7);
  REQUIRE(w.size() == 2);
  std::set<std::int64_t> all;
  std::vector<std::vector<int>> counts(2, std::vector<int>(10, 0));
  for (int k = 0; k < 2; ++k)
    for (std::int64_t id : w[static_cast<std::size_t>(k)]) {
      CHECK(all.insert(id).second);
      ++counts[static_cast<std::size_t>(k)][static_cast<std::size_t>(id % 10)];
    }
  CHECK(all.size() == 4000);
  // Unshifted: about 200 per class. Fully shifted: the top class about half (geometric 1/2), capped by its 1000.
  for (int c = 0; c < 10; ++c) {
    CHECK(counts[0][static_cast<std::size_t>(c)] > 130);
    CHECK(counts[0][static_cast<std::size_t>(c)] < 270);
  }
  const int top = *std::max_element(counts[1].begin(), counts[1].end());
  CHECK(top > 800);
  CHECK_THROWS_WITH(assess::draw_windows(ids, labels, 10, 6, 2000, {}, 7), doctest::Contains("need 12000"));
}

TEST_CASE("the CLI runs an assessment, prints its table, and summary reads it back") {
  test::TempDir dir;
  test::write_file(dir / "a.toml", small_assessment("oracle = \"confidence\"", "design = \"poisson\"\nestimator = \"horvitz_thompson\"\nbudget = 40\ntau = 0.5", 1));
  const auto out = dir / "a.h5";
  const auto plan = test::run_cli("plan " + (dir / "a.toml").string());
  CHECK(plan.status == 0);
  CHECK(plan.output.find("1 windows of 300 inputs, 40 labels each (poisson sampling, horvitz_thompson estimator)") != std::string::npos);
  const auto run = test::run_cli("run -q " + (dir / "a.toml").string() + " -o " + out.string());
  REQUIRE(run.status == 0);
  CHECK(run.output.find("estimate [CI]") != std::string::npos);
  CHECK(run.output.find("intervals cover the true accuracy") != std::string::npos);
  const auto sum = test::run_cli("summary " + out.string());
  CHECK(sum.status == 0);
  CHECK(sum.output.find("estimate [CI]") != std::string::npos);
  const auto again = test::run_cli("run -q " + (dir / "a.toml").string() + " -o " + out.string());
  CHECK(again.status == 1);
  CHECK(again.output.find("exists") != std::string::npos);
  const auto jobs = test::run_cli("run -q --jobs 2 " + (dir / "a.toml").string() + " -o " + (dir / "b.h5").string());
  CHECK(jobs.status == 2);
  CHECK_FALSE(std::filesystem::exists(dir / "b.h5"));
}
