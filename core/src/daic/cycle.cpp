// The DAIC cycle: online estimate, sampled labels, combined estimate, retraining, per window.
#include "alchain/daic/cycle.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>

#include <torch/torch.h>

#include "../results/h5_util.hpp"
#include "alchain/assess/estimators.hpp"
#include "alchain/daic/shift.hpp"
#include "alchain/engine/experiment.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/run/device.hpp"
#include "alchain/run/fault_point.hpp"
#include "alchain/run/interrupt.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/run/weights.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/rng.hpp"
#include "alchain/util/clock.hpp"
#include "alchain/version.hpp"

namespace alchain {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "alchain-assessment";

at::Tensor ids_tensor(const std::vector<std::int64_t>& ids) {
  return torch::tensor(ids, torch::kInt64);
}

std::vector<std::int64_t> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

double per_window(const std::vector<double>& v, int w) {
  if (v.empty()) return 0.0;
  return v.size() == 1 ? v[0] : v[static_cast<std::size_t>(w)];
}

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

/// A model of the assessment: trained from a seed on a labelled set, evaluated on the test split.
struct Trained {
  std::shared_ptr<Model> model;
  double test_accuracy = 0;
};

class Cycle {
 public:
  /// `progress` gets a line per training and window; `epochs` a line per epoch (--verbose).
  Cycle(const Pipeline& p, const PluginRegistry& registry, const Progress& progress, const Progress& epochs)
      : p_(p), a_(p.assessment), registry_(registry), progress_(progress), epochs_(epochs) {}

  AssessmentOutcome run(const AssessmentOptions& opts);

 private:
  Trained train(const ModelEntry& m, const std::vector<std::int64_t>& ids, std::uint64_t stream, std::uint64_t round) {
    torch::manual_seed(derive_seed(p_.run.seed, {stream, round, 1}));
    Trained t;
    t.model = make_model(registry_, m, ctx_);
    const TrainResult tr = train_model(*t.model, *data_, ids, m.training,
                                       derive_seed(p_.run.seed, {stream, round, 2}), epochs_);
    t.test_accuracy = evaluate_model(*t.model, *data_, num_classes_, p_.run.inference_batch_size).accuracy;
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %s on %zu samples: test accuracy %.4f (%.1f s)", m.name.c_str(), ids.size(),
                  t.test_accuracy, tr.seconds);
    progress_.line(buf);
    return t;
  }

  /// Logits float32 [N, K] (or, with mc_passes > 0, MC logits [T, N, K]) of `m` on train-split `ids`.
  at::Tensor logits(Model& m, const std::vector<std::int64_t>& ids, int mc_passes = 0, std::uint64_t seed = 0) {
    StreamRequest q;
    q.needs = mc_passes > 0 ? kNeedMcLogits : kNeedLogits;
    q.mc_passes = mc_passes;
    q.seed = seed;
    std::vector<at::Tensor> parts;
    stream_outputs(m, *data_, ids, p_.run.inference_batch_size, q, [&](const PoolBatch& b) {
      parts.push_back((mc_passes > 0 ? b.mc_logits : b.logits).clone());
    });
    return torch::cat(parts, mc_passes > 0 ? 1 : 0);
  }

  void calibrate(PseudoOracle& oracle, Model& m) {
    if (!oracle.wants_calibration()) return;
    oracle.calibrate(logits(m, calibration_ids_), data_->labels(Split::train, ids_tensor(calibration_ids_)));
  }

  const Pipeline& p_;
  const AssessmentSpec& a_;
  const PluginRegistry& registry_;
  const Progress& progress_;
  const Progress& epochs_;
  std::shared_ptr<assess::OperationalDataset> data_;
  CreateContext ctx_;
  std::int64_t num_classes_ = 0;
  std::vector<std::int64_t> calibration_ids_;
};

void write_window(const fs::path& out, const WindowRow& r, const std::vector<std::int64_t>& ids,
                  const std::vector<double>& f, const std::vector<char>& verdict, const std::vector<std::int64_t>& pred,
                  const std::vector<int>& correct, const assess::Sample& s,
                  const std::vector<assess::Estimate>& others) {
  const WriteSection section;  // a second Ctrl-C waits for the window to be in
  H5::H5File file = h5::open(out, true);
  H5::Group root = file.openGroup("/");
  H5::Group windows = file.openGroup("windows");
  char name[16];
  std::snprintf(name, sizeof name, "%03d", r.window);
  H5::Group g = windows.createGroup(name);
  h5::int_attr(g, "window", r.window);
  for (const auto& [key, field] : kRealAttrs) h5::double_attr(g, key, r.*field);
  for (const auto& [key, field] : kCountAttrs) h5::int_attr(g, key, r.*field);
  h5::int_attr(g, "covered", r.covered ? 1 : 0);
  h5::write_i64(g, "ids", ids);
  h5::write_f64(g, "f", f);
  h5::write_i64(g, "verdict", std::vector<std::int64_t>(verdict.begin(), verdict.end()));
  h5::write_i64(g, "predicted", pred);
  h5::write_i64(g, "correct", std::vector<std::int64_t>(correct.begin(), correct.end()));
  h5::write_i64(g, "sampled_index", s.index);
  std::vector<std::int64_t> sampled_ids;
  for (std::int64_t i : s.index) sampled_ids.push_back(ids[static_cast<std::size_t>(i)]);
  h5::write_i64(g, "sampled_ids", sampled_ids);
  h5::write_f64(g, "inclusion", s.inclusion);
  if (!s.draw_prob.empty()) h5::write_f64(g, "draw_prob", s.draw_prob);
  if (!s.stratum.empty()) {
    h5::write_i64(g, "stratum", std::vector<std::int64_t>(s.stratum.begin(), s.stratum.end()));
    h5::write_i64(g, "stratum_size", s.stratum_size);
    h5::write_i64(g, "stratum_sample", s.stratum_sample);
  }
  // Every estimator the design's probabilities allow, on the same sample: comparable side by side.
  H5::Group all = g.createGroup("estimates");
  for (const assess::Estimate& e : others) {
    H5::Group eg = all.createGroup(assess::to_string(e.estimator));
    h5::double_attr(eg, "estimate", e.point);
    h5::double_attr(eg, "se", e.se);
    h5::double_attr(eg, "ci_lo", e.lo);
    h5::double_attr(eg, "ci_hi", e.hi);
    h5::double_attr(eg, "n_eff", e.n_eff);
    h5::double_attr(eg, "lambda", e.lambda);
    h5::int_attr(eg, "covered", e.lo <= r.true_accuracy && r.true_accuracy <= e.hi ? 1 : 0);
    eg.close();
  }
  all.close();
  root.removeAttr("windows_done");
  h5::int_attr(root, "windows_done", r.window + 1);
  g.close();
  windows.close();
  root.close();
  file.close();
}

AssessmentOutcome Cycle::run(const AssessmentOptions& opts) {
  const double t0 = monotonic_seconds();
  AssessmentOutcome outcome;
  outcome.output = opts.output;
  outcome.level = a_.sampling.level;
  // Everything that can be refused is refused before the output is touched.
  if (fs::exists(opts.output) && !opts.overwrite)
    throw std::runtime_error(opts.output.string() + ": exists; use --overwrite to replace it (or -o another file)");
  check_output_writable(opts.output);
  const assess::Design design = assess::design_from_string(a_.sampling.design);
  const assess::Estimator estimator = assess::estimator_from_string(a_.sampling.estimator);
  outcome.threads = set_compute_threads(opts.threads >= 0 ? opts.threads : p_.run.threads);
  set_run_device(p_.run.device);
  progress_.line("alchain: " + p_.name + " (" + tuning_summary() + ")");

  std::shared_ptr<Dataset> base = create_dataset_checked(p_, registry_);
  const DatasetInfo info = base->info();
  num_classes_ = static_cast<std::int64_t>(info.class_names.size());
  data_ = std::make_shared<assess::OperationalDataset>(base, assess::corruption_from_string(a_.shift.corruption),
                                                       derive_seed(p_.run.seed, {9}));
  ctx_ = plugin_context(p_, registry_, info);
  {
    Diagnostics diags(p_.path);
    check_assessment(p_, registry_, *base, diags);
    if (!diags.empty()) throw InputError(diags);
  }
  const std::int64_t pool = data_->size(Split::train);
  const std::int64_t reference_extra =
      a_.reference.model.plugin.empty() ? 0 : std::max<std::int64_t>(0, a_.reference_train - a_.train);
  const std::int64_t fixed = a_.train + a_.calibration + reference_extra;
  std::shared_ptr<PseudoOracle> oracle = registry_.create_oracle(a_.oracle.plugin, a_.oracle.params, ctx_);
  const std::uint32_t needs = oracle->needs();

  // The sets: a seeded permutation of the train split, cut into [train | calibration | reference extra | rest].
  std::vector<std::int64_t> order(static_cast<std::size_t>(pool));
  for (std::int64_t i = 0; i < pool; ++i) order[static_cast<std::size_t>(i)] = i;
  Rng rng(derive_seed(p_.run.seed, {1}));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.uniform(i)]);
  auto cut = [&](std::int64_t from, std::int64_t n) {
    return std::vector<std::int64_t>(order.begin() + from, order.begin() + from + n);
  };
  const std::vector<std::int64_t> train_ids = cut(0, a_.train);
  calibration_ids_ = cut(a_.train, a_.calibration);
  std::vector<std::int64_t> reference_ids = train_ids;
  const std::vector<std::int64_t> extra = cut(a_.train + a_.calibration, reference_extra);
  reference_ids.insert(reference_ids.end(), extra.begin(), extra.end());
  const std::vector<std::int64_t> rest(order.begin() + fixed, order.end());
  const std::vector<std::vector<std::int64_t>> windows =
      assess::draw_windows(rest, to_vector(data_->labels(Split::train, ids_tensor(rest))), num_classes_, a_.windows,
                           a_.window_size, a_.shift.prior_shift, derive_seed(p_.run.seed, {8}));

  // The result file: created only now, and written window by window.
  h5::quiet();
  fs::create_directories(fs::absolute(opts.output).parent_path());
  const fs::path tmp = opts.output.string() + ".tmp";
  {
    H5::H5File file(tmp.string(), H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    h5::string_attr(root, "format", kFormat);
    h5::int_attr(root, "layout", 1);
    h5::string_attr(root, "alchain_version", ALCHAIN_VERSION_STRING);
    h5::string_attr(root, "pipeline", p_.text);
    h5::string_attr(root, "pipeline_name", p_.name);
    h5::uint_attr(root, "seed", p_.run.seed);
    h5::int_attr(root, "threads", outcome.threads);
    h5::string_attr(root, "dataset", p_.dataset.plugin);
    h5::string_attr(root, "model", a_.model.name);
    h5::string_attr(root, "oracle", a_.oracle.plugin);
    h5::string_attr(root, "design", a_.sampling.design);
    h5::string_attr(root, "estimator", a_.sampling.estimator);
    h5::int_attr(root, "budget", a_.sampling.budget);
    h5::double_attr(root, "tau", a_.sampling.tau);
    h5::int_attr(root, "strata", a_.sampling.strata);
    h5::double_attr(root, "level", a_.sampling.level);
    h5::string_attr(root, "corruption", a_.shift.corruption);
    h5::int_attr(root, "windows", a_.windows);
    h5::int_attr(root, "window_size", a_.window_size);
    h5::int_attr(root, "retrain", a_.retrain ? 1 : 0);
    h5::int_attr(root, "windows_done", 0);
    h5::int_attr(root, "complete", 0);  // 1 once every window is in
    H5::Group sets = file.createGroup("sets");
    h5::write_i64(sets, "train_ids", train_ids);
    h5::write_i64(sets, "calibration_ids", calibration_ids_);
    if (!a_.reference.model.plugin.empty()) h5::write_i64(sets, "reference_ids", reference_ids);
    file.createGroup("windows").close();
    sets.close();
    root.close();
    file.close();
  }
  fs::rename(tmp, opts.output);

  // The models: the deployed one (round 0), its companions and the reference, on clean data.
  progress_.line("training the deployed model and the oracle's models");
  Trained deployed = train(a_.model, train_ids, 2, 0);
  const Trained first = deployed;
  outcome.test_accuracy_before = deployed.test_accuracy;
  std::vector<Trained> companions;
  if (needs & kOracleNeedCompanions)
    for (std::size_t i = 0; i < a_.companions.size(); ++i) companions.push_back(train(a_.companions[i], train_ids, 4, i));
  Trained reference;
  // validate refused a missing reference (the flag), create_oracle a needs() beyond the flags
  if (needs & kOracleNeedReference) reference = train(a_.reference, reference_ids, 6, 0);
  calibrate(*oracle, *deployed.model);
  {
    H5::H5File file = h5::open(opts.output, true);
    H5::Group root = file.openGroup("/");
    h5::double_attr(root, "test_accuracy_before", deployed.test_accuracy);
    root.close();
    file.close();
  }

  std::vector<std::int64_t> labelled = train_ids;  // grows by each window's sampled inputs
  for (int w = 0; w < a_.windows; ++w) {
    check_interrupt();
    const std::vector<std::int64_t>& ids = windows[static_cast<std::size_t>(w)];
    WindowRow row;
    row.window = w;
    row.severity = per_window(a_.shift.severity, w);
    row.prior_shift = per_window(a_.shift.prior_shift, w);
    row.size = static_cast<std::int64_t>(ids.size());
    data_->expose(ids, row.severity);

    // Online: the deployed model and the oracle's other models on the window as operation saw it.
    OracleBatch batch;
    batch.ids = ids_tensor(ids);
    batch.logits = logits(*deployed.model, ids);
    if (needs & kOracleNeedMcLogits)
      batch.mc_logits = logits(*deployed.model, ids, oracle->mc_passes(), derive_seed(p_.run.seed, {11, static_cast<std::uint64_t>(w)}));
    if (needs & kOracleNeedCompanions) {
      std::vector<at::Tensor> all;
      for (auto& c : companions) all.push_back(logits(*c.model, ids));
      batch.companion_logits = torch::stack(all);
    }
    if (needs & kOracleNeedReference) batch.reference_logits = logits(*reference.model, ids);
    const OracleVerdicts v = oracle->assess(batch);
    if (v.f.size() != ids.size() || v.correct.size() != ids.size())
      throw std::runtime_error("oracle '" + a_.oracle.plugin + "' returned " + std::to_string(v.f.size()) +
                               " scores for " + std::to_string(ids.size()) + " inputs");
    for (double x : v.f)
      if (!(x >= 0.0 && x <= 1.0))
        throw std::runtime_error("oracle '" + a_.oracle.plugin + "' returned a score outside [0, 1]: " + std::to_string(x));

    // The truth, for evaluation: every label of the window (the estimator sees only the sampled ones).
    const std::vector<std::int64_t> labels = to_vector(data_->labels(Split::train, batch.ids));
    const std::vector<std::int64_t> pred = to_vector(batch.logits.argmax(1));
    // The never-retrained model: the deployed one itself until the first retraining.
    const std::vector<std::int64_t> pred0 =
        first.model == deployed.model ? pred : to_vector(logits(*first.model, ids).argmax(1));
    std::vector<int> correct(ids.size());
    double right = 0, right0 = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      correct[i] = pred[i] == labels[i] ? 1 : 0;
      right += correct[i];
      right0 += pred0[i] == labels[i] ? 1 : 0;
    }
    row.true_accuracy = right / static_cast<double>(ids.size());
    row.baseline_accuracy = right0 / static_cast<double>(ids.size());
    row.online = assess::online_estimate(v.f);

    // Offline: the sample, its labels, the combined estimate.
    assess::SamplerOptions so;
    so.design = design;
    so.budget = a_.sampling.budget;
    so.tau = a_.sampling.tau;
    so.strata = a_.sampling.strata;
    so.seed = derive_seed(p_.run.seed, {10, static_cast<std::uint64_t>(w)});
    const assess::Sample s = assess::draw_sample(so, v.f, [&](std::int64_t i) { return correct[static_cast<std::size_t>(i)]; });
    std::vector<int> y;
    for (std::int64_t i : s.index) y.push_back(correct[static_cast<std::size_t>(i)]);
    const assess::Estimate e = assess::estimate_accuracy(estimator, s, v.f, y, a_.sampling.level);
    std::vector<assess::Estimate> others;
    for (assess::Estimator x : {assess::Estimator::srs_wilson, assess::Estimator::srs_clopper_pearson,
                                assess::Estimator::stratified, assess::Estimator::ppi,
                                assess::Estimator::horvitz_thompson, assess::Estimator::hansen_hurwitz})
      if (assess::compatible(x, design)) others.push_back(assess::estimate_accuracy(x, s, v.f, y, a_.sampling.level));
    row.estimate = e.point;
    row.se = e.se;
    row.lo = e.lo;
    row.hi = e.hi;
    row.n_eff = e.n_eff;
    row.lambda = e.lambda;
    row.labels = e.labels;
    row.failures = e.failures;
    row.covered = e.lo <= row.true_accuracy && row.true_accuracy <= e.hi;

    // Improvement: the labelled inputs (as operation saw them) join the training set.
    for (std::int64_t i : s.index) labelled.push_back(ids[static_cast<std::size_t>(i)]);
    row.train_size_after = static_cast<std::int64_t>(labelled.size());
    row.test_accuracy_after = NAN;
    if (a_.retrain) {
      deployed = train(a_.model, labelled, 2, static_cast<std::uint64_t>(w) + 1);
      row.test_accuracy_after = deployed.test_accuracy;
      calibrate(*oracle, *deployed.model);
    }
    write_window(opts.output, row, ids, v.f, v.correct, pred, correct, s, others);
    fault_point("window");
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "window %d/%d: true %.4f, online %.4f, estimate %.4f [%.4f, %.4f] %s, %lld labels, %lld failures",
                  w + 1, a_.windows, row.true_accuracy, row.online, row.estimate, row.lo, row.hi,
                  row.covered ? "covers" : "MISSES", static_cast<long long>(row.labels),
                  static_cast<long long>(row.failures));
    progress_.line(buf);
    outcome.rows.push_back(row);
  }
  {
    const WriteSection section;
    H5::H5File file = h5::open(opts.output, true);
    H5::Group root = file.openGroup("/");
    h5::int_attr(root, "complete", 1);
    root.close();
    file.close();
  }
  outcome.seconds = monotonic_seconds() - t0;
  return outcome;
}

}  // namespace

void check_assessment_runnable(const Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  const std::shared_ptr<Dataset> data = create_dataset_or_note(p, registry, diags);
  if (data) check_assessment(p, registry, *data, diags);
}

void check_assessment(const Pipeline& p, const PluginRegistry& registry, Dataset& data, Diagnostics& diags) {
  const AssessmentSpec& a = p.assessment;
  if (data.info().task != Task::classification) {
    diags.error(p.dataset.pos, "dataset: '" + p.dataset.plugin + "' is a " + to_string(data.info().task) +
                                   " dataset; operational assessment ([assessment]) estimates a classifier's "
                                   "accuracy and supports classification datasets only");
    return;
  }
  const std::int64_t pool = data.size(Split::train);
  const std::int64_t reference_extra =
      a.reference.model.plugin.empty() ? 0 : std::max<std::int64_t>(0, a.reference_train - a.train);
  const std::int64_t need = a.train + a.calibration + reference_extra + static_cast<std::int64_t>(a.windows) * a.window_size;
  if (need > pool)
    diags.error(a.pos, "assessment: the train split of '" + p.dataset.plugin + "' has " + std::to_string(pool) +
                           " samples; train (" + std::to_string(a.train) + ") + calibration (" +
                           std::to_string(a.calibration) + ") + the reference's extra training samples (" +
                           std::to_string(reference_extra) + ") + " + std::to_string(a.windows) + " windows x " +
                           std::to_string(a.window_size) + " need " + std::to_string(need));
  if (const std::string err = device_error(p.run.device); !err.empty()) diags.error(p.run.device_pos, "run.device: " + err);
  const CreateContext ctx = plugin_context(p, registry, data.info());
  std::shared_ptr<Model> model;
  try {
    model = registry.create_model(a.model.model.plugin, a.model.model.params, ctx);
  } catch (const std::exception& e) {
    diags.error(a.model.model.pos, "assessment.model: '" + a.model.name + "': " + e.what());
  }
  if (model && !a.model.weights.path.empty()) {
    try {
      load_weights(*model, a.model.weights.path, a.model.weights.into);
    } catch (const std::exception& e) {
      diags.error(a.model.weights.pos, "assessment.model: '" + a.model.name + "': " + e.what());
      model = nullptr;
    }
  }
  std::shared_ptr<PseudoOracle> oracle;
  try {
    oracle = registry.create_oracle(a.oracle.plugin, a.oracle.params, ctx);
  } catch (const std::exception& e) {
    diags.error(a.oracle.pos, "assessment.oracle: " + std::string(e.what()));
    return;
  }
  const std::string who = "assessment.oracle: oracle '" + a.oracle.plugin + "'";
  if (oracle->wants_calibration() && a.calibration < 2)
    diags.error(a.oracle.pos, who + " calibrates on held-out labelled data; set assessment.calibration (>= 2) or turn "
                                    "its calibration off in oracle_params");
  if ((oracle->needs() & kOracleNeedMcLogits) && model && !model->stochastic_passes_available())
    diags.error(a.oracle.pos, who + " runs MC dropout, and model '" + a.model.name +
                                  "' has no active dropout; set its dropout parameter > 0 in a [models." + a.model.name +
                                  "] entry");
}

AssessmentOutcome run_assessment(const Pipeline& p, const PluginRegistry& registry, const AssessmentOptions& options) {
  if (!p.assessment.present) throw std::invalid_argument(p.path + ": not an assessment pipeline");
  const Progress progress(options.quiet);
  const Progress epochs(options.quiet || !options.verbose);
  Cycle cycle(p, registry, progress, epochs);
  try {
    return cycle.run(options);
  } catch (const Interrupted& e) {
    // Training and evaluation stop at a batch; the windows written so far stay, with complete = 0.
    std::int64_t done = 0;
    try {
      H5::H5File f = h5::open(options.output, false);
      done = h5::read_int_attr(f.openGroup("/"), "windows_done");
    } catch (const H5::Exception&) {
    }
    throw Interrupted(e.signal(), std::string(e.what()) + ": " + std::to_string(done) + " of " +
                                      std::to_string(p.assessment.windows) + " windows finished and saved in " +
                                      options.output.string() +
                                      " (marked incomplete: complete = 0); an assessment cannot be resumed yet: "
                                      "run it again with --overwrite");
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

void print_assessment(std::ostream& os, const AssessmentOutcome& outcome) {
  const std::vector<WindowRow>& rows = outcome.rows;
  const double level = outcome.level;
  char buf[256];
  if (!std::isnan(outcome.test_accuracy_before)) {
    std::snprintf(buf, sizeof buf, "first deployed model: test accuracy %.4f (clean test split)\n\n", outcome.test_accuracy_before);
    os << buf;
  }
  std::snprintf(buf, sizeof buf, "%-6s %-8s %-6s %-7s %-10s %-7s %-26s %-7s %-6s %-8s %s\n", "window", "severity",
                "prior", "true", "no-retrain", "online", "estimate [CI]", "covers", "labels", "failures",
                "test acc after retraining");
  os << buf;
  int covered = 0;
  double online_err = 0, est_err = 0;
  for (const WindowRow& r : rows) {
    char ci[64];
    std::snprintf(ci, sizeof ci, "%.4f [%.4f, %.4f]", r.estimate, r.lo, r.hi);
    char after[32];
    if (std::isnan(r.test_accuracy_after)) std::snprintf(after, sizeof after, "-");
    else std::snprintf(after, sizeof after, "%.4f (%lld labelled)", r.test_accuracy_after, static_cast<long long>(r.train_size_after));
    std::snprintf(buf, sizeof buf, "%-6d %-8.2f %-6.2f %-7.4f %-10.4f %-7.4f %-26s %-7s %-6lld %-8lld %s\n", r.window,
                  r.severity, r.prior_shift, r.true_accuracy, r.baseline_accuracy, r.online, ci, r.covered ? "yes" : "NO",
                  static_cast<long long>(r.labels), static_cast<long long>(r.failures), after);
    os << buf;
    covered += r.covered ? 1 : 0;
    online_err += std::fabs(r.online - r.true_accuracy);
    est_err += std::fabs(r.estimate - r.true_accuracy);
  }
  if (rows.empty()) return;
  const double n = static_cast<double>(rows.size());
  std::snprintf(buf, sizeof buf,
                "\n%d of %zu %.0f%% intervals cover the true accuracy; mean |error|: online %.4f, combined %.4f\n",
                covered, rows.size(), 100 * level, online_err / n, est_err / n);
  os << buf;
}

}  // namespace alchain
