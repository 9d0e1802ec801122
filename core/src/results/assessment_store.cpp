// The assessment's result file: its layout (docs/hdf5.md) written and read in one place.
#include "alchain/results/assessment_store.hpp"

#include <cmath>
#include <stdexcept>

#include "alchain/run/interrupt.hpp"
#include "alchain/util/format.hpp"
#include "alchain/version.hpp"
#include "atomic_file.hpp"
#include "h5_util.hpp"

namespace alchain {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "alchain-assessment";

/// A window's attributes in the result file (docs/hdf5.md) and the fields they hold.
const std::pair<const char*, double WindowRow::*> kRealAttrs[] = {
    {"severity", &WindowRow::severity},       {"prior_shift", &WindowRow::prior_shift},
    {"true_accuracy", &WindowRow::true_accuracy}, {"baseline_accuracy", &WindowRow::baseline_accuracy},
    {"online_estimate", &WindowRow::online},  {"estimate", &WindowRow::estimate},
    {"se", &WindowRow::se},                   {"ci_lo", &WindowRow::lo},
    {"ci_hi", &WindowRow::hi},                {"n_eff", &WindowRow::n_eff},
    {"lambda", &WindowRow::lambda},           {"test_accuracy_after", &WindowRow::test_accuracy_after}};
const std::pair<const char*, std::int64_t WindowRow::*> kCountAttrs[] = {
    {"labels", &WindowRow::labels}, {"failures", &WindowRow::failures}, {"train_size_after", &WindowRow::train_size_after}};

void write_root_attrs(H5::Group& root, const Pipeline& p, int threads) {
  const AssessmentSpec& a = p.assessment;
  h5::string_attr(root, "format", kFormat);
  h5::int_attr(root, "layout", 1);
  h5::string_attr(root, "alchain_version", ALCHAIN_VERSION_STRING);
  h5::string_attr(root, "pipeline", p.text);
  h5::string_attr(root, "pipeline_name", p.name);
  h5::uint_attr(root, "seed", p.run.seed);
  h5::int_attr(root, "threads", threads);
  h5::string_attr(root, "dataset", p.dataset.plugin);
  h5::string_attr(root, "model", a.model.name);
  h5::string_attr(root, "oracle", a.oracle.plugin);
  h5::string_attr(root, "design", assess::to_string(a.sampling.design));
  h5::string_attr(root, "estimator", assess::to_string(a.sampling.estimator));
  h5::int_attr(root, "budget", a.sampling.budget);
  h5::double_attr(root, "tau", a.sampling.tau);
  h5::int_attr(root, "strata", a.sampling.strata);
  h5::double_attr(root, "level", a.sampling.level);
  h5::string_attr(root, "corruption", a.shift.corruption);
  h5::int_attr(root, "windows", a.windows);
  h5::int_attr(root, "window_size", a.window_size);
  h5::int_attr(root, "retrain", a.retrain ? 1 : 0);
  h5::int_attr(root, "windows_done", 0);
  h5::int_attr(root, "complete", 0);  // 1 once every window is in
}

void write_sample(H5::Group& g, const std::vector<std::int64_t>& ids, const assess::Sample& s) {
  h5::write_i64(g, "sampled_index", s.index);
  std::vector<std::int64_t> sampled_ids;
  for (std::int64_t i : s.index) sampled_ids.push_back(ids[static_cast<std::size_t>(i)]);
  h5::write_i64(g, "sampled_ids", sampled_ids);
  if (!s.inclusion.empty()) h5::write_f64(g, "inclusion", s.inclusion);  // sequential: draw_prob only
  if (!s.draw_prob.empty()) h5::write_f64(g, "draw_prob", s.draw_prob);
  if (!s.stratum.empty()) {
    h5::write_i64(g, "stratum", std::vector<std::int64_t>(s.stratum.begin(), s.stratum.end()));
    h5::write_i64(g, "stratum_size", s.stratum_size);
    h5::write_i64(g, "stratum_sample", s.stratum_sample);
  }
}

/// Every estimator the design's probabilities allow, on the same sample: comparable side by side.
void write_estimates(H5::Group& g, const std::vector<assess::Estimate>& estimates, double true_accuracy) {
  H5::Group all = g.createGroup("estimates");
  for (const assess::Estimate& e : estimates) {
    H5::Group eg = all.createGroup(assess::to_string(e.estimator));
    h5::double_attr(eg, "estimate", e.point);
    h5::double_attr(eg, "se", e.se);
    h5::double_attr(eg, "ci_lo", e.lo);
    h5::double_attr(eg, "ci_hi", e.hi);
    h5::double_attr(eg, "n_eff", e.n_eff);
    h5::double_attr(eg, "lambda", e.lambda);
    h5::int_attr(eg, "covered", e.lo <= true_accuracy && true_accuracy <= e.hi ? 1 : 0);
    eg.close();
  }
  all.close();
}

}  // namespace

AssessmentStore::AssessmentStore(fs::path output, const Pipeline& p, int threads, const AssessmentSets& sets)
    : output_(std::move(output)) {
  h5::quiet();
  fs::create_directories(fs::absolute(output_).parent_path());
  write_atomically(output_, [&](const fs::path& tmp) {
    H5::H5File file(tmp.string(), H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    write_root_attrs(root, p, threads);
    H5::Group g = file.createGroup("sets");
    h5::write_i64(g, "train_ids", sets.train);
    h5::write_i64(g, "calibration_ids", sets.calibration);
    if (!p.assessment.reference.model.plugin.empty()) h5::write_i64(g, "reference_ids", sets.reference);
    file.createGroup("windows").close();
    g.close();
    root.close();
    file.close();
  });
}

void AssessmentStore::write_test_accuracy_before(double accuracy) const {
  H5::H5File file = h5::open(output_, true);
  H5::Group root = file.openGroup("/");
  h5::double_attr(root, "test_accuracy_before", accuracy);
  root.close();
  file.close();
}

void AssessmentStore::write_window(const WindowRecord& w) const {
  const WindowRow& r = w.row;
  const WriteSection section;  // a second Ctrl-C waits for the window to be in
  H5::H5File file = h5::open(output_, true);
  H5::Group root = file.openGroup("/");
  H5::Group windows = file.openGroup("windows");
  H5::Group g = windows.createGroup(format("%03d", r.window));
  h5::int_attr(g, "window", r.window);
  for (const auto& [key, field] : kRealAttrs) h5::double_attr(g, key, r.*field);
  for (const auto& [key, field] : kCountAttrs) h5::int_attr(g, key, r.*field);
  h5::int_attr(g, "covered", r.covered ? 1 : 0);
  h5::write_i64(g, "ids", w.ids);
  h5::write_f64(g, "f", w.f);
  h5::write_i64(g, "verdict", std::vector<std::int64_t>(w.verdict.begin(), w.verdict.end()));
  h5::write_i64(g, "predicted", w.predicted);
  h5::write_i64(g, "correct", std::vector<std::int64_t>(w.correct.begin(), w.correct.end()));
  write_sample(g, w.ids, w.sample);
  write_estimates(g, w.estimates, r.true_accuracy);
  root.removeAttr("windows_done");
  h5::int_attr(root, "windows_done", r.window + 1);
  g.close();
  windows.close();
  root.close();
  file.close();
}

void AssessmentStore::mark_complete() const {
  const WriteSection section;
  H5::H5File file = h5::open(output_, true);
  H5::Group root = file.openGroup("/");
  h5::int_attr(root, "complete", 1);
  root.close();
  file.close();
}

std::int64_t assessment_windows_done(const fs::path& file) {
  try {
    H5::H5File f = h5::open(file, false);
    return h5::read_int_attr(f.openGroup("/"), "windows_done");
  } catch (const H5::Exception&) {
    return 0;
  }
}

bool is_assessment_file(const fs::path& file) {
  h5::quiet();
  try {
    if (!fs::is_regular_file(file) || !H5::H5File::isHdf5(file.string())) return false;
    H5::H5File f = h5::open(file, false);
    H5::Group root = f.openGroup("/");
    return root.attrExists("format") && h5::read_string_attr(root, "format") == kFormat;
  } catch (const H5::Exception&) {
    return false;
  }
}

AssessmentOutcome read_assessment(const fs::path& file) {
  h5::quiet();
  if (!fs::exists(file)) throw std::runtime_error(file.string() + ": no such file");
  H5::H5File f;
  try {
    f = h5::open(file, false);
  } catch (const H5::Exception&) {
    throw std::runtime_error(file.string() + ": not an HDF5 file");
  }
  H5::Group root = f.openGroup("/");
  if (!root.attrExists("format") || h5::read_string_attr(root, "format") != kFormat)
    throw std::runtime_error(file.string() + ": not an alchain assessment file (root attribute format != " + kFormat + ")");
  AssessmentOutcome out;
  out.output = file;
  out.level = h5::read_double_attr(root, "level");
  out.threads = static_cast<int>(h5::read_int_attr(root, "threads"));
  out.test_accuracy_before = root.attrExists("test_accuracy_before") ? h5::read_double_attr(root, "test_accuracy_before") : NAN;
  std::vector<WindowRow>& rows = out.rows;
  H5::Group windows = f.openGroup("windows");
  for (hsize_t i = 0; i < windows.getNumObjs(); ++i) {
    H5::Group g = windows.openGroup(windows.getObjnameByIdx(i));
    WindowRow r;
    r.window = static_cast<int>(h5::read_int_attr(g, "window"));
    for (const auto& [key, field] : kRealAttrs) r.*field = h5::read_double_attr(g, key);
    for (const auto& [key, field] : kCountAttrs) r.*field = h5::read_int_attr(g, key);
    r.covered = h5::read_int_attr(g, "covered") != 0;
    r.size = static_cast<std::int64_t>(h5::read_i64(g, "ids").size());
    rows.push_back(r);
  }
  return out;
}

}  // namespace alchain
