// The scheduler: preflight checks, then ready trials to the executor, each stored as it ends.
#include "alchain/engine/experiment.hpp"
#include "alchain/engine/preflight.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <torch/torch.h>

#include "alchain/engine/executor.hpp"
#include "alchain/engine/model_cost.hpp"
#include "alchain/engine/ranks.hpp"
#include "alchain/engine/scheduler.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/plugin/requirements.hpp"
#include "alchain/run/weights.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/run/communicator.hpp"
#include "alchain/run/device.hpp"
#include "alchain/run/interrupt.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/task.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/util/clock.hpp"
#include "alchain/util/format.hpp"
#include "run_header.hpp"
#include "run_lock.hpp"

namespace alchain {

namespace {

std::string clock_text(double s) {
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600) return format("%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  return format("%ld:%02ld", t / 60, t % 60);
}

/// Creates every model and policy of the plan once, so bad parameters and impossible pairings
/// are reported (at the entry's position) before the result file exists.
void preflight(const Pipeline& p, const Plan& plan, const PluginRegistry& registry, const DatasetInfo& info,
               Diagnostics& diags) {
  check_run_devices(p.run, diags);
  const CreateContext mctx = plugin_context(p, registry, info);
  std::set<std::string> seen;
  auto check_model = [&](const ModelEntry& m) -> std::shared_ptr<Model> {
    std::shared_ptr<Model> model;
    try {
      model = registry.create_model(m.model.plugin, m.model.params, mctx);
    } catch (const std::exception& e) {
      diags.error(m.model.pos, "model '" + m.name + "': " + e.what());
      return nullptr;
    }
    if (m.weights.path.empty()) return model;
    try {
      load_weights(*model, m.weights.path, m.weights.into);
    } catch (const std::exception& e) {
      diags.error(m.weights.pos, "model '" + m.name + "': " + e.what());
      return nullptr;
    }
    return model;
  };
  for (const Trial& t : plan.trials) {
    if (t.kind == TrialKind::train) {
      if (seen.insert("model:" + t.model.name).second) check_model(t.model);
      continue;
    }
    for (const Stage& s : t.stages) {
      const std::string key = s.model.name + "|" + s.policy.name;
      if (!seen.insert(key).second) continue;
      auto model = check_model(s.model);
      if (s.cycles == 0 || !model) continue;
      std::shared_ptr<Policy> policy;
      try {
        policy = registry.create_policy(s.policy.policy.plugin, s.policy.policy.params, mctx);
      } catch (const std::exception& e) {
        diags.error(s.policy.policy.pos, "policy '" + s.policy.name + "': " + e.what());
        continue;
      }
      if (stochastic_passes_missing(PluginKind::policy, policy->needs(), *model))
        diags.error(s.policy.policy.pos,
                    stochastic_passes_message(
                        "policy '" + s.policy.name + "'",
                        "model '" + s.model.name + "'" +
                            (s.model.name != s.model.model.plugin ? " (" + s.model.model.plugin + ")" : ""),
                        std::string("set model_params.dropout") +
                            (p.experiment.present ? " (params.dropout of its [models.<name>] entry)" : "") + " > 0"));
    }
  }
}

}  // namespace

void check_latency(const Pipeline& p, const PluginRegistry& registry, const DatasetInfo& info, Diagnostics& diags) {
  for (std::size_t i = 0; i < p.generations.size(); ++i) {
    const GenerationSpec& g = p.generations[i];
    const Hardware* hw = find_hardware(p.hardware, g.hardware);
    if (g.max_latency_ms <= 0 || !hw) continue;
    ModelCost cost;
    try {
      cost = measure_model(registry, g.name, g.model.plugin, g.model.params, info.input_shape,
                           static_cast<std::int64_t>(info.class_names.size()), info.task);
    } catch (const std::exception&) {
      continue;  // preflight has reported why the model cannot be created
    }
    const double ms = latency_ms(cost.gops(), hw->tops);
    if (ms <= g.max_latency_ms) continue;
    diags.error(g.latency_pos,
                format("generation[%zu].max_latency_ms: model '%s' does not fit %s: %.4g GOPs per %s input take "
                       "%.4g ms at %g TOPS, over the limit of %g ms",
                       i, g.model.plugin.c_str(), hw->name.c_str(), cost.gops(),
                       shape_text(info.input_shape).c_str(), ms, hw->tops, g.max_latency_ms));
  }
}

Plan checked_plan(const Pipeline& p, const PluginRegistry& registry, Dataset& data, Diagnostics& diags) {
  const std::size_t errors_before = diags.items().size();
  Plan plan = expand_plan(p, data.size(Split::train), diags);
  if (diags.items().size() != errors_before) return plan;  // the budget does not fit: there is nothing to check
  preflight(p, plan, registry, data.info(), diags);
  check_latency(p, registry, data.info(), diags);
  return plan;
}

std::shared_ptr<Dataset> create_dataset_or_note(const Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  try {
    return open_dataset(p, registry);
  } catch (const std::exception& e) {
    diags.error(p.dataset.pos, std::string("dataset: ") + e.what());
    return nullptr;
  }
}

std::shared_ptr<Dataset> create_dataset_checked(const Pipeline& p, const PluginRegistry& registry) {
  Diagnostics diags(p.path);
  std::shared_ptr<Dataset> data = create_dataset_or_note(p, registry, diags);
  if (!data) throw InputError(diags);
  return data;
}

void check_runnable(const Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  if (p.assessment.present)
    throw std::invalid_argument(p.path + ": an assessment pipeline is checked by check_assessment_runnable");
  const std::shared_ptr<Dataset> data = create_dataset_or_note(p, registry, diags);
  if (data) checked_plan(p, registry, *data, diags);
}

void check_output_writable(const std::filesystem::path& output) {
  namespace fs = std::filesystem;
  fs::path dir = fs::absolute(output).parent_path();
  std::error_code ec;
  while (!fs::exists(dir, ec) && dir.has_parent_path() && dir != dir.parent_path()) dir = dir.parent_path();
  std::string probe = (dir / ".alchain-write-test-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0)
    throw std::runtime_error(dir.string() + ": cannot write the result file " + output.string() + " here: " +
                             std::strerror(errno) + "; nothing was run (choose another place with -o)");
  ::close(fd);
  ::unlink(probe.c_str());
}

RunHeader make_run_header(const Pipeline& p, const DatasetInfo& info, int threads, int trial_threads, int jobs) {
  RunHeader header;
  header.pipeline_name = p.name;
  header.pipeline_path = p.path;
  header.pipeline_text = p.text;
  header.dataset = p.dataset.plugin;
  header.class_names = info.class_names;
  header.task = to_string(info.task);
  header.metric = task_ops(info.task).metric();
  header.threads = threads;
  header.trial_threads = trial_threads;
  header.jobs = jobs;
  return header;
}

Plan plan_for(const Pipeline& p, const PluginRegistry& registry) {
  const auto data = open_dataset(p, registry);
  return expand_plan(p, data->size(Split::train));
}

namespace {

/// Progress in multiply-adds (alchain plan's estimate), since a ResNet trial weighs a hundred MLP
/// ones: a line per finished trial with the time elapsed and an estimate of the time left.
class ProgressMeter {
 public:
  ProgressMeter(const Plan& plan, PlanCost cost, const ResultStore& store, Progress progress, bool live)
      : plan_(plan), cost_(std::move(cost)), store_(store), progress_(progress), live_(live) {
    for (const Trial& t : plan.trials) {
      total_work_ += weight(t);
      if (store.done(t.id)) done_work_ += weight(t);
    }
    t_run_ = monotonic_seconds();
  }
  ~ProgressMeter() {
    if (live_) std::fputc('\n', stderr);
  }
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  void trial_done(const TrialDone& d) {
    const double w = weight(plan_.trial(d.id));
    done_work_ += w;
    run_work_ += w;
    const double elapsed = monotonic_seconds() - t_run_;
    const double left = run_work_ > 0 ? elapsed / run_work_ * std::max(0.0, total_work_ - done_work_) : 0.0;
    const std::string line = format("[%zu/%zu] %s done (%.0f s); elapsed %s, about %s left", store_.done_count(),
                                    plan_.trials.size(), d.id.c_str(), d.seconds, clock_text(elapsed).c_str(),
                                    clock_text(left).c_str());
    if (live_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
    } else {
      progress_.line(line);
    }
  }

 private:
  double weight(const Trial& t) const {
    auto it = cost_.trial_macs.find(t.id);
    return it != cost_.trial_macs.end() && it->second > 0 ? it->second : 1.0;
  }

  const Plan& plan_;
  const PlanCost cost_;
  const ResultStore& store_;
  const Progress progress_;
  const bool live_;  ///< on a terminal, one status line rewritten in place; in a log or CI, a line per trial
  double total_work_ = 0, done_work_ = 0, run_work_ = 0, t_run_ = 0;
};

/// What one run_experiment call works with, once the plan is checked.
struct RunContext {
  const Pipeline& p;
  const Plan& plan;
  const PluginRegistry& registry;
  const RunOptions& opts;
  int jobs = 1, trial_threads = 1;
};

/// Worker processes with --jobs, else a trial runner in this process; the executor goes before
/// the runner it may use.
struct Workers {
  std::unique_ptr<TrialRunner> runner;
  std::unique_ptr<Executor> executor;
};

Workers make_workers(const RunContext& c, const ResultStore& store, const Progress& round_progress,
                     std::shared_ptr<Dataset> data) {
  Workers w;
  if (c.jobs > 1) {
    WorkerCommand cmd;
    cmd.exe = c.opts.exe;
    cmd.pipeline = c.p.path;
    cmd.shard_dir = store.shard_dir();
    cmd.fingerprint = c.plan.fingerprint;
    cmd.threads = c.trial_threads;
    cmd.plugin_dirs = c.opts.plugin_dirs;
    w.executor = make_process_executor(cmd, c.jobs);
  } else {
    w.runner = std::make_unique<TrialRunner>(c.p, c.plan, c.registry, round_progress, data, c.opts.comm);
    w.executor = make_local_executor(*w.runner, c.plan, store.shard_dir(), c.opts.comm);
  }
  return w;
}

/// Runs the trials the store does not have yet, storing each as it ends; returns how many ran.
std::size_t run_pending(const RunContext& c, ResultStore& store, std::shared_ptr<Dataset> data, const DatasetInfo& info) {
  const Progress round_progress(!c.opts.verbose || c.opts.jobs > 1);
  const Workers workers = make_workers(c, store, round_progress, data);
  const bool live = !c.opts.quiet && !c.opts.verbose && ::isatty(STDERR_FILENO) != 0;
  ProgressMeter meter(c.plan, estimate_cost(c.p, c.plan, c.registry, info, data->size(Split::test)), store,
                      Progress(c.opts.quiet), live);
  std::size_t ran = 0;
  schedule_trials(
      c.plan, *workers.executor, [&](const std::string& id) { return store.done(id); },
      [&](const TrialDone& d) {
        store.adopt(d.id);
        ++ran;
        meter.trial_done(d);
      });
  return ran;
}

/// The command that continues an interrupted run with the options it was started with.
std::string resume_hint(const RunContext& c) {
  std::string again = "alchain run " + c.p.path + " -o " + c.opts.output.string();
  if (c.opts.threads >= 0) again += " --threads " + std::to_string(c.opts.threads);
  if (c.jobs > 1) again += " --jobs " + std::to_string(c.jobs);
  for (const auto& d : c.opts.plugin_dirs) again += " -P " + d;
  return again + " --resume";
}

/// Marks the file as interrupted and says how much is saved and how to go on. The executor is
/// gone: its workers were stopped and reaped, so a shard written meanwhile counts.
Interrupted interrupted_run(const RunContext& c, ResultStore& store, const Interrupted& e) {
  const std::string status = "interrupted by " + signal_name(e.signal());
  try {
    store.finish(status);
  } catch (const std::exception& also) {
    std::fprintf(stderr, "alchain: could not mark %s as interrupted: %s\n", store.path().c_str(), also.what());
  }
  std::size_t saved = 0;
  for (const Trial& t : c.plan.trials) saved += (store.done(t.id) || shard_written(store.shard_dir(), t.id)) ? 1 : 0;
  return Interrupted(e.signal(), status + ": " + std::to_string(saved) + " of " + std::to_string(c.plan.trials.size()) +
                                     " trials finished and saved in " + c.opts.output.string() +
                                     "; continue with: " + resume_hint(c));
}

void mark_failed(ResultStore& store, const std::exception& e) {
  try {
    store.finish(std::string("failed: ") + e.what());
  } catch (const std::exception& also) {  // the first error is the one to report
    std::fprintf(stderr, "alchain: could not mark %s as failed: %s\n", store.path().c_str(), also.what());
  }
}

ResultStore::Mode store_mode(const RunOptions& opts) {
  return opts.resume ? ResultStore::Mode::resume : opts.overwrite ? ResultStore::Mode::overwrite : ResultStore::Mode::create;
}

}  // namespace

RunOutcome run_experiment(const Pipeline& p, const PluginRegistry& registry, const RunOptions& opts) {
  const double t_start = monotonic_seconds();
  const Progress progress(opts.quiet);
  RunOutcome outcome;
  outcome.output = opts.output;
  outcome.threads = prepare_run(p, opts.output, opts.threads);
  const int jobs = std::max(1, opts.jobs);
  const int trial_threads = jobs > 1 ? std::max(1, outcome.threads / jobs) : outcome.threads;
  progress.line("alchain: " + p.name + " (" + tuning_summary() + (jobs > 1 ? ", " + std::to_string(jobs) + " workers with " + std::to_string(trial_threads) + " threads each" : "") + ")");

  std::shared_ptr<Dataset> data = create_dataset_checked(p, registry);
  const DatasetInfo info = data->info();
  Diagnostics diags(p.path);
  const Plan plan = checked_plan(p, registry, *data, diags);
  if (!diags.empty()) throw InputError(diags);
  const RunContext c{p, plan, registry, opts, jobs, trial_threads};
  const bool ranks = opts.comm && opts.comm->size() > 1;
  if (ranks && jobs > 1) throw std::invalid_argument("--jobs runs worker processes; with several ranks it must be 1");
  if (ranks) announce_start(*opts.comm, plan, trial_threads);

  const RunHeader header = make_run_header(p, info, outcome.threads, trial_threads, jobs);
  if (const int s = interrupt_signal())
    throw Interrupted(s, "interrupted by " + signal_name(s) + " before the run started; nothing was written");
  const RunLock lock(opts.output);
  ResultStore store(opts.output, plan, header, store_mode(opts));
  outcome.trials_skipped = store.done_count();
  if (store.complete()) {
    progress.line("alchain: " + opts.output.string() + " is complete already; nothing to run");
    outcome.seconds = monotonic_seconds() - t_start;
    return outcome;
  }
  if (opts.resume)
    progress.line("alchain: resuming " + opts.output.string() + ": " + std::to_string(store.done_count()) + " of " +
                  std::to_string(plan.trials.size()) + " trials are done");
  try {
    outcome.trials_run = run_pending(c, store, data, info);
  } catch (const Interrupted& e) {
    throw interrupted_run(c, store, e);
  } catch (const std::exception& e) {
    mark_failed(store, e);
    throw;
  }
  store.finish("complete");
  outcome.seconds = monotonic_seconds() - t_start;
  return outcome;
}

int run_worker(const Pipeline& p, const PluginRegistry& registry, const std::filesystem::path& shard_dir,
               const std::string& fingerprint, int threads, int worker_index) {
  // The protocol owns the original stdout; anything else printed (by a plugin while it loads
  // the dataset, say) goes to stderr, from the start.
  const int proto = ::dup(STDOUT_FILENO);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  std::FILE* out = ::fdopen(proto, "w");
  if (!out) throw std::runtime_error("worker: cannot open its protocol stream");
  set_compute_threads(threads);
  set_assigned_device(p.run, worker_index);
  std::shared_ptr<Dataset> data = open_dataset(p, registry);
  const Plan plan = expand_plan(p, data->size(Split::train));
  if (plan.fingerprint != fingerprint)
    throw std::runtime_error(p.path + ": the pipeline changed since the run started (plan " + plan.fingerprint +
                             ", the run's is " + fingerprint + ")");
  const Progress quiet(true);
  TrialRunner runner(p, plan, registry, quiet, data);
  const int rc = serve_trials(runner, plan, shard_dir, stdin, out);
  std::fclose(out);
  return rc;
}

}  // namespace alchain
