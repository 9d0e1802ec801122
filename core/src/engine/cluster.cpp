// One trial as one command and the merge of the shards: what a cluster engine calls (docs/cluster.md).
#include "alchain/engine/cluster.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "alchain/engine/executor.hpp"
#include "alchain/engine/preflight.hpp"
#include "alchain/engine/ranks.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/results/resume_checks.hpp"
#include "alchain/run/communicator.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/util/clock.hpp"
#include "run_header.hpp"
#include "run_lock.hpp"

namespace alchain {

namespace fs = std::filesystem;

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// The trial `id` of the plan; an unknown one is refused with every ID (a short plan) or the
/// nearest ones, and the command that lists them all.
const Trial& find_trial(const Plan& plan, const std::string& id, const std::string& pipeline) {
  for (const Trial& t : plan.trials)
    if (t.id == id) return t;
  std::vector<std::pair<std::size_t, std::string>> near;
  for (const Trial& t : plan.trials) near.emplace_back(edit_distance(id, t.id), t.id);
  constexpr std::size_t kListAll = 12, kNearest = 3;
  const bool all = near.size() <= kListAll;
  if (!all) std::stable_sort(near.begin(), near.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string list;
  for (std::size_t i = 0; i < near.size() && (all || i < kNearest); ++i) list += (i ? ", " : "") + near[i].second;
  throw std::runtime_error("unknown trial '" + id + "': the plan of " + pipeline + " has no such trial (" +
                           (all ? "available: " : "nearest: ") + list + "); alchain plan " + pipeline +
                           " --format lines lists every trial's command");
}

/// The thread count a merge checks the shards against: --threads, else the first shard's.
int merge_threads(const Pipeline& p, const fs::path& dir, int threads_option) {
  if (threads_option >= 0) return set_compute_threads(threads_option);
  std::error_code ec;
  if (fs::is_directory(dir, ec))
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".h5") continue;
      const ShardState st = read_shard_state(e.path());
      if (st.complete) return static_cast<int>(st.threads);
    }
  return set_compute_threads(p.run.threads);
}

}  // namespace

TrialCommandOutcome run_trial_command(const Pipeline& p, const PluginRegistry& registry, const TrialCommand& c) {
  TrialCommandOutcome out;
  out.threads = prepare_run(p, c.output, c.threads);
  std::shared_ptr<Dataset> data = create_dataset_checked(p, registry);
  const Plan plan = expand_plan(p, data->size(Split::train));
  const Trial& trial = find_trial(plan, c.trial, p.path);
  const fs::path dir = shard_dir_for(c.output);
  out.shard = dir / (trial.id + ".h5");
  std::error_code ec;
  // Every shard there must be of this plan and thread count: a merge would refuse them anyway.
  const std::set<std::string> done =
      fs::is_directory(dir, ec) ? check_shards(dir, plan.fingerprint, out.threads, "run this trial") : std::set<std::string>{};
  if (done.count(trial.id)) return out;
  if (trial.kind == TrialKind::train && trial.source.picks() && !done.count(trial.source.trial))
    throw std::runtime_error((dir / (trial.source.trial + ".h5")).string() + ": missing: trial " + trial.id +
                             " trains on the picks of trial " + trial.source.trial + ", which is not done; run it first: " +
                             "alchain run " + p.path + " -o " + c.output.string() + " --trial " + trial.source.trial);
  const RunLock lock(out.shard);  // a second process running this trial is refused, not interleaved
  if (shard_written(dir, trial.id)) return out;  // finished by another process meanwhile
  const Progress rounds(!c.verbose);
  TrialRunner runner(p, plan, registry, rounds, data, c.comm);
  if (c.comm && c.comm->size() > 1) announce_start(*c.comm, plan, out.threads);
  out.seconds = run_trial_into_shard(runner, plan, trial, dir, c.comm).seconds;
  out.ran = true;
  return out;
}

MergeOutcome merge_results(const Pipeline& p, const PluginRegistry& registry, const MergeCommand& c) {
  check_output_writable(c.output);
  std::shared_ptr<Dataset> data = create_dataset_checked(p, registry);
  const Plan plan = expand_plan(p, data->size(Split::train));
  MergeOutcome out;
  out.planned = plan.trials.size();
  out.trial_threads = merge_threads(p, shard_dir_for(c.output), c.threads);
  // The invocation's threads and jobs: a merge runs no trial, so those of one trial in one process.
  const RunHeader header = make_run_header(p, data->info(), out.trial_threads, out.trial_threads, 1);
  const RunLock lock(c.output);
  const ResultStore store(c.output, plan, header,
                          c.partial ? ResultStore::Mode::merge_partial : ResultStore::Mode::merge);
  out.merged = store.done_count();
  out.complete_already = store.complete();
  return out;
}

}  // namespace alchain
