/// The building blocks for running a plan on engines the user already has (GNU parallel, Slurm,
/// Snakemake): the plan as data (JSON, one command per trial), one trial as one command, and the
/// merge of the trials' shards into the result file (docs/cluster.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/engine/experiment.hpp"

namespace alchain {

/// `alchain run PIPELINE -o OUTPUT --trial ID`.
struct TrialCommand {
  std::filesystem::path output;  ///< the result file; the shard goes to `<output>.trials/<id>.h5`
  std::string trial;
  int threads = -1;  ///< -1 = the pipeline's run.threads; 0 = every core
  bool verbose = false;
  Communicator* comm = nullptr;  ///< several ranks: this is rank 0; the trial runs on all of them
};

struct TrialCommandOutcome {
  std::filesystem::path shard;
  bool ran = false;  ///< false: its shard was complete already (same plan and threads), nothing ran
  int threads = 0;
  double seconds = 0;
};

/// Runs exactly one trial of the plan in this process and writes its shard (write_shard; the
/// rename is the commit point), nothing else. Refuses, changing nothing: an unknown trial ID (with
/// the nearest IDs), a shard directory holding a shard of another plan or thread count (naming the
/// file and both values), a dependency whose shard is missing (naming it), and a second process
/// running the same trial (a lock beside the shard). Does nothing when the shard is there already.
TrialCommandOutcome run_trial_command(const Pipeline& pipeline, const PluginRegistry& registry,
                                      const TrialCommand& command);

/// `alchain merge PIPELINE -o OUTPUT [--partial]`.
struct MergeCommand {
  std::filesystem::path output;
  bool partial = false;
  int threads = -1;  ///< compute threads every trial must have run with; -1 = as the shards say
};

struct MergeOutcome {
  std::size_t merged = 0, planned = 0;
  int trial_threads = 0;
  bool complete_already = false;  ///< the result file said "complete": it was left as it was
};

/// Builds the result file from `<output>.trials/` (ResultStore's merge: resume's rebuild); the
/// shards stay. Refuses, writing nothing, a shard of another plan or thread count, an existing
/// result file of another plan, and missing trials unless `partial`.
MergeOutcome merge_results(const Pipeline& pipeline, const PluginRegistry& registry, const MergeCommand& command);

/// What the machine-readable plan says beyond the plan itself.
struct PlanExport {
  std::string pipeline;                  ///< the pipeline file, as given
  std::filesystem::path output;          ///< the result file the trials' commands write
  int threads = 1;                       ///< compute threads per trial
  std::string device;                    ///< the pipeline's run.device
  std::vector<std::string> plugin_dirs;  ///< -P directories, passed on in each command
};

/// The trials whose shards a trial reads: a train trial on picks needs its select trial.
std::vector<std::string> trial_dependencies(const Trial& trial);

/// The trial's line of `--format lines`: `alchain run PIPELINE -o OUTPUT --trial ID --threads T [-P DIR]...`.
std::string trial_command(const Trial& trial, const PlanExport& how);

/// `alchain merge PIPELINE -o OUTPUT --threads T [-P DIR]...`, as the exports run it.
std::string merge_command(const PlanExport& how);

/// A word for sh: as it is when it needs no quoting, else in single quotes.
std::string shell_word(const std::string& word);

/// Dependency levels: 0 for a trial that needs no other, else one more than its deepest dependency.
std::vector<int> plan_levels(const Plan& plan);

/// `alchain plan --format json` (schema 1; docs/cluster.md).
void print_plan_json(std::ostream& os, const Plan& plan, const PlanCost& cost, const PlanExport& how);

/// `alchain plan --format lines`: one `alchain run ... --trial ID --threads T` per trial, a
/// `# level N` comment before each dependency level and a blank line between levels.
void print_plan_lines(std::ostream& os, const Plan& plan, const PlanExport& how);

/// What the exports ask of the engine for each trial, beyond the plan (docs/cluster.md).
struct ExportResources {
  double gmacs = 60;        ///< assumed multiply-adds per second of one trial, in G, for its time limit
  int mem_mb = 0;           ///< memory per trial; 0 = twice the plan's estimate (it counts no activations)
  int time_min = 0;         ///< time limit per trial; 0 = three times the estimate at `gmacs`, at least 10 min
  int max_running = 16;     ///< Slurm: tasks of one array running at once (`--array=...%M`)
  std::string workdir;      ///< Slurm: the directory the jobs run in (paths in the commands are relative to it)
  std::string invocation;   ///< the export command, quoted in the files' headers
};

/// A trial's memory (MB) and time limit (minutes) as the exports request them.
int export_mem_mb(const Trial& trial, const PlanCost& cost, const ExportResources& res);
int export_time_min(const Trial& trial, const PlanCost& cost, const ExportResources& res);

/// `alchain export snakemake`: a Snakefile with one rule per trial (its dependencies' shards in,
/// its shard out, threads and resources mem_mb, runtime, gpu), a rule `merge` that builds the
/// result file, and a rule `all` asking for it.
void write_snakefile(std::ostream& os, const Plan& plan, const PlanCost& cost, const PlanExport& how,
                     const ExportResources& res);

/// `alchain export slurm --dir D`: `D/level<N>.sbatch` (a job array per dependency level),
/// `D/merge.sbatch` and `D/submit.sh`, which submits them chained with `afterok`. Returns the
/// files written (each written whole, then renamed into place).
std::vector<std::filesystem::path> write_slurm_scripts(const std::filesystem::path& dir, const Plan& plan,
                                                       const PlanCost& cost, const PlanExport& how,
                                                       const ExportResources& res);

}  // namespace alchain
