/// Where trials run. The scheduler hands ready trials to an executor and waits for them; the
/// trial runner does not know where it runs (this process, worker processes, other machines).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "alchain/plan/plan.hpp"

namespace alchain {

class Communicator;
class TrialRunner;

/// A trial that ended: its shard is written, or `error` says why not.
struct TrialDone {
  std::string id;
  std::string error;  ///< empty on success
  double seconds = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;
  /// Trials it runs at once.
  virtual int slots() const = 0;
  /// Starts a trial whose dependencies' shards are written.
  virtual void submit(const Trial& trial) = 0;
  /// Blocks until one submitted trial ends.
  virtual TrialDone wait() = 0;
};

/// Runs trials one at a time in this process; with a communicator of several ranks (this is rank 0),
/// each with the other ranks (run_trial_into_shard).
std::unique_ptr<Executor> make_local_executor(TrialRunner& runner, const Plan& plan, std::filesystem::path shard_dir,
                                              Communicator* comm = nullptr);

/// What a worker process is started with: `exe worker PIPELINE --shard-dir D --fingerprint F
/// --threads T --worker-index I [--plugin-path dir]...`, I = 0 .. jobs-1 (which picks its device);
/// it reads trial IDs on stdin and answers one line per trial.
struct WorkerCommand {
  std::string exe;
  std::string pipeline;
  std::filesystem::path shard_dir;
  std::string fingerprint;
  int threads = 1;
  std::vector<std::string> plugin_dirs;
};

/// Runs trials in `jobs` worker processes of this machine.
std::unique_ptr<Executor> make_process_executor(const WorkerCommand& command, int jobs);

/// The worker side of make_process_executor: serves trial IDs from `in` until it closes.
/// Protocol, one line each: "done <id> <seconds>" or "fail <id> <message>".
int serve_trials(TrialRunner& runner, const Plan& plan, const std::filesystem::path& shard_dir, std::FILE* in,
                 std::FILE* out);

/// What every executor does with a trial: its inputs from the shards (resolve_inputs), the trial
/// run by `runner` in this process, its shard written (write_shard). Throws on a failure.
/// With a communicator of several ranks (this is rank 0), the trial and its inputs are announced
/// to the other ranks first (announce_trial), which run it alongside.
TrialDone run_trial_into_shard(TrialRunner& runner, const Plan& plan, const Trial& trial,
                               const std::filesystem::path& shard_dir, Communicator* comm = nullptr);

/// Inputs of a trial from the shards of the trials it depends on.
struct TrialInputs;
TrialInputs resolve_inputs(const Trial& trial, const std::filesystem::path& shard_dir);

}  // namespace alchain
