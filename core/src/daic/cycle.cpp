// The DAIC cycle: online estimate, sampled labels, combined estimate, retraining, per window.
#include "alchain/daic/cycle.hpp"

#include <chrono>
#include <cmath>
#include <ostream>

#include <torch/torch.h>

#include "alchain/assess/estimators.hpp"
#include "alchain/daic/shift.hpp"
#include "alchain/engine/experiment.hpp"
#include "alchain/engine/preflight.hpp"
#include "alchain/engine/train_and_evaluate.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/plugin/requirements.hpp"
#include "alchain/results/assessment_store.hpp"
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
#include "alchain/util/format.hpp"

namespace alchain {

namespace fs = std::filesystem;

namespace {

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

std::string window_line(const WindowRow& row, int windows) {
  return format("window %d/%d: true %.4f, online %.4f, estimate %.4f [%.4f, %.4f] %s, %lld labels, %lld failures",
                row.window + 1, windows, row.true_accuracy, row.online, row.estimate, row.lo, row.hi,
                row.covered ? "covers" : "MISSES", static_cast<long long>(row.labels),
                static_cast<long long>(row.failures));
}

/// The chosen estimator's figures a window's row shows.
const std::pair<double WindowRow::*, double assess::Estimate::*> kEstimateFields[] = {
    {&WindowRow::estimate, &assess::Estimate::point}, {&WindowRow::se, &assess::Estimate::se},
    {&WindowRow::lo, &assess::Estimate::lo},          {&WindowRow::hi, &assess::Estimate::hi},
    {&WindowRow::n_eff, &assess::Estimate::n_eff},    {&WindowRow::lambda, &assess::Estimate::lambda}};

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
  int prepare(const AssessmentOptions& opts);
  AssessmentSets split_sets();
  void train_models(const AssessmentSets& sets);
  WindowRecord assess_window(int w, const std::vector<std::int64_t>& ids);
  OracleBatch oracle_batch(int w, const std::vector<std::int64_t>& ids);
  OracleVerdicts ask_oracle(const OracleBatch& batch);
  void score_truth(WindowRecord& rec, const OracleBatch& batch);
  void estimate(int w, WindowRecord& rec);
  void improve(int w, WindowRecord& rec);

  Trained train(const ModelEntry& m, const std::vector<std::int64_t>& ids, std::uint64_t stream, std::uint64_t round) {
    const TrainingJob job{m, ids, derive_seed(p_.run.seed, {stream, round, 1}), derive_seed(p_.run.seed, {stream, round, 2})};
    const TrainedModel t =
        train_and_evaluate({registry_, ctx_, *data_, num_classes_, p_.run.inference_batch_size}, job, epochs_);
    progress_.line(format("  %s on %zu samples: test accuracy %.4f (%.1f s)", m.name.c_str(), ids.size(),
                          t.eval.accuracy, t.train.seconds));
    return {t.model, t.eval.accuracy};
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
  assess::Design design_{};
  assess::Estimator estimator_{};
  std::shared_ptr<PseudoOracle> oracle_;
  std::uint32_t needs_ = 0;
  Trained deployed_;                   ///< retrained after each window
  Trained first_;                      ///< the deployed model of round 0, never retrained
  std::vector<Trained> companions_;
  Trained reference_;
  std::vector<std::int64_t> labelled_;  ///< grows by each window's sampled inputs
};

/// Everything that can be refused is refused before the output is touched. Returns the threads.
int Cycle::prepare(const AssessmentOptions& opts) {
  if (fs::exists(opts.output) && !opts.overwrite)
    throw std::runtime_error(opts.output.string() + ": exists; use --overwrite to replace it (or -o another file)");
  const int threads = prepare_run(p_, opts.output, opts.threads);
  design_ = a_.sampling.design;
  estimator_ = a_.sampling.estimator;
  progress_.line("alchain: " + p_.name + " (" + tuning_summary() + ")");

  std::shared_ptr<Dataset> base = create_dataset_checked(p_, registry_);
  const DatasetInfo info = base->info();
  num_classes_ = static_cast<std::int64_t>(info.class_names.size());
  data_ = std::make_shared<assess::OperationalDataset>(base, assess::corruption_from_string(a_.shift.corruption),
                                                       derive_seed(p_.run.seed, {9}));
  ctx_ = plugin_context(p_, registry_, info);
  Diagnostics diags(p_.path);
  check_assessment(p_, registry_, *base, diags);
  if (!diags.empty()) throw InputError(diags);
  oracle_ = registry_.create_oracle(a_.oracle.plugin, a_.oracle.params, ctx_);
  needs_ = oracle_->needs();
  return threads;
}

/// The sets: a seeded permutation of the train split, cut into [train | calibration | reference
/// extra | rest], and the windows drawn from the rest.
AssessmentSets Cycle::split_sets() {
  const std::int64_t pool = data_->size(Split::train);
  const std::int64_t reference_extra =
      a_.reference.model.plugin.empty() ? 0 : std::max<std::int64_t>(0, a_.reference_train - a_.train);
  const std::int64_t fixed = a_.train + a_.calibration + reference_extra;
  std::vector<std::int64_t> order(static_cast<std::size_t>(pool));
  for (std::int64_t i = 0; i < pool; ++i) order[static_cast<std::size_t>(i)] = i;
  Rng rng(derive_seed(p_.run.seed, {1}));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.uniform(i)]);
  auto cut = [&](std::int64_t from, std::int64_t n) {
    return std::vector<std::int64_t>(order.begin() + from, order.begin() + from + n);
  };
  AssessmentSets sets;
  sets.train = cut(0, a_.train);
  sets.calibration = cut(a_.train, a_.calibration);
  calibration_ids_ = sets.calibration;
  sets.reference = sets.train;
  const std::vector<std::int64_t> extra = cut(a_.train + a_.calibration, reference_extra);
  sets.reference.insert(sets.reference.end(), extra.begin(), extra.end());
  const std::vector<std::int64_t> rest(order.begin() + fixed, order.end());
  sets.windows = assess::draw_windows(rest, to_vector(data_->labels(Split::train, ids_tensor(rest))), num_classes_,
                                      a_.windows, a_.window_size, a_.shift.prior_shift, derive_seed(p_.run.seed, {8}));
  return sets;
}

/// The models: the deployed one (round 0), its companions and the reference, on clean data.
void Cycle::train_models(const AssessmentSets& sets) {
  progress_.line("training the deployed model and the oracle's models");
  deployed_ = train(a_.model, sets.train, 2, 0);
  first_ = deployed_;
  if (needs_ & kOracleNeedCompanions)
    for (std::size_t i = 0; i < a_.companions.size(); ++i) companions_.push_back(train(a_.companions[i], sets.train, 4, i));
  // validate refused a missing reference (the flag), create_oracle a needs() beyond the flags
  if (needs_ & kOracleNeedReference) reference_ = train(a_.reference, sets.reference, 6, 0);
  calibrate(*oracle_, *deployed_.model);
}

/// Online: the deployed model and the oracle's other models on the window as operation saw it.
OracleBatch Cycle::oracle_batch(int w, const std::vector<std::int64_t>& ids) {
  OracleBatch batch;
  batch.ids = ids_tensor(ids);
  batch.logits = logits(*deployed_.model, ids);
  if (needs_ & kOracleNeedMcLogits)
    batch.mc_logits = logits(*deployed_.model, ids, oracle_->mc_passes(), derive_seed(p_.run.seed, {11, static_cast<std::uint64_t>(w)}));
  if (needs_ & kOracleNeedCompanions) {
    std::vector<at::Tensor> all;
    for (auto& c : companions_) all.push_back(logits(*c.model, ids));
    batch.companion_logits = torch::stack(all);
  }
  if (needs_ & kOracleNeedReference) batch.reference_logits = logits(*reference_.model, ids);
  return batch;
}

OracleVerdicts Cycle::ask_oracle(const OracleBatch& batch) {
  OracleVerdicts v = oracle_->assess(batch);
  const auto n = static_cast<std::size_t>(batch.ids.numel());
  if (v.f.size() != n || v.correct.size() != n)
    throw std::runtime_error("oracle '" + a_.oracle.plugin + "' returned " + std::to_string(v.f.size()) +
                             " scores for " + std::to_string(n) + " inputs");
  for (double x : v.f)
    if (!(x >= 0.0 && x <= 1.0))
      throw std::runtime_error("oracle '" + a_.oracle.plugin + "' returned a score outside [0, 1]: " + std::to_string(x));
  return v;
}

/// The truth, for evaluation: every label of the window (the estimator sees only the sampled ones).
void Cycle::score_truth(WindowRecord& rec, const OracleBatch& batch) {
  const std::vector<std::int64_t>& ids = rec.ids;
  const std::vector<std::int64_t> labels = to_vector(data_->labels(Split::train, batch.ids));
  rec.predicted = to_vector(batch.logits.argmax(1));
  const std::vector<std::int64_t>& pred = rec.predicted;
  // The never-retrained model: the deployed one itself until the first retraining.
  const std::vector<std::int64_t> pred0 =
      first_.model == deployed_.model ? pred : to_vector(logits(*first_.model, ids).argmax(1));
  rec.correct.assign(ids.size(), 0);
  double right = 0, right0 = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    rec.correct[i] = pred[i] == labels[i] ? 1 : 0;
    right += rec.correct[i];
    right0 += pred0[i] == labels[i] ? 1 : 0;
  }
  rec.row.true_accuracy = right / static_cast<double>(ids.size());
  rec.row.baseline_accuracy = right0 / static_cast<double>(ids.size());
}

/// Offline: the sample, its labels, the combined estimate (and every estimator the design allows).
void Cycle::estimate(int w, WindowRecord& rec) {
  const std::vector<int>& correct = rec.correct;
  assess::SamplerOptions so;
  so.design = design_;
  so.budget = a_.sampling.budget;
  so.tau = a_.sampling.tau;
  so.strata = a_.sampling.strata;
  so.seed = derive_seed(p_.run.seed, {10, static_cast<std::uint64_t>(w)});
  rec.sample = assess::draw_sample(so, rec.f, [&](std::int64_t i) { return correct[static_cast<std::size_t>(i)]; });
  const assess::Sample& s = rec.sample;
  std::vector<int> y;
  for (std::int64_t i : s.index) y.push_back(correct[static_cast<std::size_t>(i)]);
  const assess::Estimate e = assess::estimate_accuracy(estimator_, s, rec.f, y, a_.sampling.level);
  for (assess::Estimator x : {assess::Estimator::srs_wilson, assess::Estimator::srs_clopper_pearson,
                              assess::Estimator::stratified, assess::Estimator::ppi,
                              assess::Estimator::horvitz_thompson, assess::Estimator::hansen_hurwitz})
    if (assess::compatible(x, design_)) rec.estimates.push_back(assess::estimate_accuracy(x, s, rec.f, y, a_.sampling.level));
  WindowRow& row = rec.row;
  for (const auto& [to, from] : kEstimateFields) row.*to = e.*from;
  row.labels = e.labels;
  row.failures = e.failures;
  row.covered = e.lo <= row.true_accuracy && row.true_accuracy <= e.hi;
}

/// Improvement: the labelled inputs (as operation saw them) join the training set.
void Cycle::improve(int w, WindowRecord& rec) {
  for (std::int64_t i : rec.sample.index) labelled_.push_back(rec.ids[static_cast<std::size_t>(i)]);
  rec.row.train_size_after = static_cast<std::int64_t>(labelled_.size());
  rec.row.test_accuracy_after = NAN;
  if (a_.retrain) {
    deployed_ = train(a_.model, labelled_, 2, static_cast<std::uint64_t>(w) + 1);
    rec.row.test_accuracy_after = deployed_.test_accuracy;
    calibrate(*oracle_, *deployed_.model);
  }
}

WindowRecord Cycle::assess_window(int w, const std::vector<std::int64_t>& ids) {
  WindowRecord rec;
  WindowRow& row = rec.row;
  row.window = w;
  row.severity = per_window(a_.shift.severity, w);
  row.prior_shift = per_window(a_.shift.prior_shift, w);
  row.size = static_cast<std::int64_t>(ids.size());
  data_->expose(ids, row.severity);
  rec.ids = ids;
  const OracleBatch batch = oracle_batch(w, ids);
  OracleVerdicts v = ask_oracle(batch);
  rec.f = std::move(v.f);
  rec.verdict = std::move(v.correct);
  score_truth(rec, batch);
  row.online = assess::online_estimate(rec.f);
  estimate(w, rec);
  improve(w, rec);
  return rec;
}

AssessmentOutcome Cycle::run(const AssessmentOptions& opts) {
  const double t0 = monotonic_seconds();
  AssessmentOutcome outcome;
  outcome.output = opts.output;
  outcome.level = a_.sampling.level;
  outcome.threads = prepare(opts);
  const AssessmentSets sets = split_sets();
  // The result file: created only now, and written window by window.
  const AssessmentStore store(opts.output, p_, outcome.threads, sets);
  train_models(sets);
  outcome.test_accuracy_before = deployed_.test_accuracy;
  store.write_test_accuracy_before(deployed_.test_accuracy);
  labelled_ = sets.train;
  for (int w = 0; w < a_.windows; ++w) {
    check_interrupt();
    const WindowRecord rec = assess_window(w, sets.windows[static_cast<std::size_t>(w)]);
    store.write_window(rec);
    fault_point("window");
    progress_.line(window_line(rec.row, a_.windows));
    outcome.rows.push_back(rec.row);
  }
  store.mark_complete();
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
  check_run_devices(p.run, diags);
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
  if (model && stochastic_passes_missing(PluginKind::oracle, oracle->needs(), *model))
    diags.error(a.oracle.pos, stochastic_passes_message(who, "model '" + a.model.name + "'",
                                                        "set its dropout parameter > 0 in a [models." + a.model.name +
                                                            "] entry"));
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
    const std::int64_t done = assessment_windows_done(options.output);
    throw Interrupted(e.signal(), std::string(e.what()) + ": " + std::to_string(done) + " of " +
                                      std::to_string(p.assessment.windows) + " windows finished and saved in " +
                                      options.output.string() +
                                      " (marked incomplete: complete = 0); an assessment cannot be resumed yet: "
                                      "run it again with --overwrite");
  }
}

void print_assessment(std::ostream& os, const AssessmentOutcome& outcome) {
  const std::vector<WindowRow>& rows = outcome.rows;
  const double level = outcome.level;
  if (!std::isnan(outcome.test_accuracy_before))
    os << format("first deployed model: test accuracy %.4f (clean test split)\n\n", outcome.test_accuracy_before);
  os << format("%-6s %-8s %-6s %-7s %-10s %-7s %-26s %-7s %-6s %-8s %s\n", "window", "severity", "prior", "true",
               "no-retrain", "online", "estimate [CI]", "covers", "labels", "failures", "test acc after retraining");
  int covered = 0;
  double online_err = 0, est_err = 0;
  for (const WindowRow& r : rows) {
    const std::string ci = format("%.4f [%.4f, %.4f]", r.estimate, r.lo, r.hi);
    const std::string after =
        std::isnan(r.test_accuracy_after)
            ? std::string("-")
            : format("%.4f (%lld labelled)", r.test_accuracy_after, static_cast<long long>(r.train_size_after));
    os << format("%-6d %-8.2f %-6.2f %-7.4f %-10.4f %-7.4f %-26s %-7s %-6lld %-8lld %s\n", r.window, r.severity,
                 r.prior_shift, r.true_accuracy, r.baseline_accuracy, r.online, ci.c_str(), r.covered ? "yes" : "NO",
                 static_cast<long long>(r.labels), static_cast<long long>(r.failures), after.c_str());
    covered += r.covered ? 1 : 0;
    online_err += std::fabs(r.online - r.true_accuracy);
    est_err += std::fabs(r.estimate - r.true_accuracy);
  }
  if (rows.empty()) return;
  const double n = static_cast<double>(rows.size());
  os << format("\n%d of %zu %.0f%% intervals cover the true accuracy; mean |error|: online %.4f, combined %.4f\n",
               covered, rows.size(), 100 * level, online_err / n, est_err / n);
}

}  // namespace alchain
