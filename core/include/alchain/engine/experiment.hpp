/// Runs a pipeline's plan: checks everything first, schedules ready trials on an executor,
/// stores each as it ends, resumes an interrupted run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plan/plan.hpp"

namespace alchain {

class Communicator;
class PluginRegistry;
struct DatasetInfo;

struct RunOptions {
  std::filesystem::path output;
  bool overwrite = false;
  bool resume = false;
  bool quiet = false;    ///< no progress lines
  bool verbose = false;  ///< a line per training round and epoch
  int threads = -1;      ///< -1 = as the pipeline says; 0 = every core
  int jobs = 1;          ///< worker processes (1 = run trials in this process)
  std::string exe;       ///< this program, for worker processes
  std::vector<std::string> plugin_dirs;  ///< passed on to workers
  /// Several ranks (this is rank 0; the others follow_rank_zero): every trial runs on all of them,
  /// this process alone writes. Excludes jobs > 1.
  Communicator* comm = nullptr;
};

struct RunOutcome {
  std::filesystem::path output;
  int threads = 0;
  std::size_t trials_run = 0, trials_skipped = 0;
  double seconds = 0;
};

/// Runs the pipeline. Every check that can fail before training (dataset, budget against the
/// pool, plugin creation, output file, a resumed file's plan) happens before anything is written.
RunOutcome run_experiment(const Pipeline& pipeline, const PluginRegistry& registry, const RunOptions& options);

/// Throws, naming the directory and the system's reason, unless a file can be created where
/// `output` goes (its directory, or the nearest existing ancestor it would be created under).
/// It tries: permission bits, read-only mounts, ACLs and root all answer as they would later.
void check_output_writable(const std::filesystem::path& output);

/// Everything `run` checks before it writes anything, reported with positions into `diags`: the
/// dataset loads, the budget fits the pool, every model and policy of the plan can be created and
/// keeps its promises (dropout for MC policies). This is what `alchain validate` adds to the
/// parser's checks, so validate refuses what run refuses. Experiments and chains only: an
/// assessment pipeline (std::invalid_argument here) is checked by check_assessment_runnable
/// (alchain/daic/cycle.hpp), which keeps the engine free of the assessment layer.
void check_runnable(const Pipeline& pipeline, const PluginRegistry& registry, Diagnostics& diags);

/// The pipeline's dataset, or null with the failure noted in `diags` at the dataset's position.
std::shared_ptr<class Dataset> create_dataset_or_note(const Pipeline& pipeline, const PluginRegistry& registry,
                                                      Diagnostics& diags);

/// The pipeline's dataset; a failure is an InputError at the dataset's position.
std::shared_ptr<class Dataset> create_dataset_checked(const Pipeline& pipeline, const PluginRegistry& registry);

/// Each generation with `max_latency_ms`: its model's theoretical latency per input on its
/// `hardware` (GOPs / TOPS, docs/models.md) must not exceed the limit; otherwise an error at the key.
void check_latency(const Pipeline& pipeline, const PluginRegistry& registry, const DatasetInfo& info, Diagnostics& diags);

/// The plan for a loaded dataset; its problems (budget, preflight, latency limits) go to `diags`.
Plan checked_plan(const Pipeline& pipeline, const PluginRegistry& registry, class Dataset& data, Diagnostics& diags);

/// The plan of a pipeline for its dataset (loads the dataset to know the pool's size).
Plan plan_for(const Pipeline& pipeline, const PluginRegistry& registry);

/// What a plan costs, counted from the models' multiply-adds.
struct PlanCost {
  int selecting_rounds = 0;      ///< surrogate trainings that then pick
  int surrogate_final_rounds = 0;  ///< surrogate trainings on the set they leave (diagonal cells, hand-overs)
  int deployment_trainings = 0;  ///< on surrogate picks
  int random_trainings = 0;      ///< on random picks
  double train_macs = 0, score_macs = 0, eval_macs = 0;
  std::map<std::string, double> trial_macs;  ///< each trial's share, by ID: what `run` weighs progress by
  /// Each trial's memory estimate in MB, by ID: a process base, an inference and a training batch
  /// of inputs as float32, and the largest model's weights, gradients and optimizer state.
  /// Activations are not counted (docs/cluster.md): for segmentation at full resolution they
  /// dominate; measure one trial.
  std::map<std::string, double> trial_memory_mb;
};
/// The memory estimate's process base in MB: LibTorch, OpenBLAS, the plugins and the allocator's
/// slack (`alchain plan` peaks at 330 MB RSS on Debian 12's CPU LibTorch 1.13).
inline constexpr double kProcessBaseMb = 512;
PlanCost estimate_cost(const Pipeline& pipeline, const Plan& plan, const PluginRegistry& registry);
/// The same for a dataset already loaded: its info and the size of its test split.
PlanCost estimate_cost(const Pipeline& pipeline, const Plan& plan, const PluginRegistry& registry,
                       const DatasetInfo& info, std::int64_t test_samples);
/// The plan as `alchain plan` prints it: totals, cost at `gmacs` GMAC/s, and (with `list`) every trial.
void print_plan(std::ostream& os, const Plan& plan, const PlanCost& cost, double gmacs, bool list);

/// `alchain worker`: serves trial IDs read on stdin (see make_process_executor), computing on the
/// device worker `worker_index` gets (set_assigned_device; -1: as a process of its own).
int run_worker(const Pipeline& pipeline, const PluginRegistry& registry, const std::filesystem::path& shard_dir,
               const std::string& fingerprint, int threads, int worker_index);

}  // namespace alchain
