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

/// Dependency levels: 0 for a trial that needs no other, else one more than its deepest dependency.
std::vector<int> plan_levels(const Plan& plan);

/// `alchain plan --format json` (schema 1; docs/cluster.md).
void print_plan_json(std::ostream& os, const Plan& plan, const PlanCost& cost, const PlanExport& how);

/// `alchain plan --format lines`: one `alchain run ... --trial ID --threads T` per trial, a
/// `# level N` comment before each dependency level and a blank line between levels.
void print_plan_lines(std::ostream& os, const Plan& plan, const PlanExport& how);

}  // namespace alchain
