// The in-process executor, and the worker loop that process executors talk to.
#include "alchain/engine/executor.hpp"

#include <chrono>
#include <cstdio>
#include <deque>

#include "alchain/engine/ranks.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/run/communicator.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/run/interrupt.hpp"
#include "alchain/util/clock.hpp"

namespace alchain {

namespace {

class LocalExecutor final : public Executor {
 public:
  LocalExecutor(TrialRunner& runner, const Plan& plan, std::filesystem::path dir, Communicator* comm)
      : runner_(runner), plan_(plan), dir_(std::move(dir)), comm_(comm) {}
  int slots() const override { return 1; }
  void submit(const Trial& t) override { queue_.push_back(&t); }
  TrialDone wait() override {
    const Trial* t = queue_.front();
    queue_.pop_front();
    return run_trial_into_shard(runner_, plan_, *t, dir_, comm_);  // an exception stops the run where it happened
  }

 private:
  TrialRunner& runner_;
  const Plan& plan_;
  std::filesystem::path dir_;
  Communicator* comm_;
  std::deque<const Trial*> queue_;
};

}  // namespace

TrialDone run_trial_into_shard(TrialRunner& runner, const Plan& plan, const Trial& t, const std::filesystem::path& dir,
                               Communicator* comm) {
  TrialDone d;
  d.id = t.id;
  const double t0 = monotonic_seconds();
  const TrialInputs inputs = resolve_inputs(t, dir);
  if (comm && comm->size() > 1) announce_trial(*comm, plan, t, inputs);
  const TrialRecord rec = runner.run(t, inputs);
  write_shard(dir, rec, plan.fingerprint);
  d.seconds = monotonic_seconds() - t0;
  return d;
}

TrialInputs resolve_inputs(const Trial& trial, const std::filesystem::path& shard_dir) {
  TrialInputs in;
  if (trial.kind == TrialKind::train && trial.source.picks())
    in.labeling_order = read_labeling_order(shard_dir, trial.source.trial);
  return in;
}

std::unique_ptr<Executor> make_local_executor(TrialRunner& runner, const Plan& plan, std::filesystem::path shard_dir,
                                              Communicator* comm) {
  return std::make_unique<LocalExecutor>(runner, plan, std::move(shard_dir), comm);
}

int serve_trials(TrialRunner& runner, const Plan& plan, const std::filesystem::path& shard_dir, std::FILE* in,
                 std::FILE* out) {
  char line[4096];
  while (std::fgets(line, sizeof line, in)) {
    std::string id(line);
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
    if (id.empty()) continue;
    try {
      const TrialDone d = run_trial_into_shard(runner, plan, plan.trial(id), shard_dir);
      std::fprintf(out, "done %s %.3f\n", id.c_str(), d.seconds);
    } catch (const std::exception& e) {
      std::string msg = e.what();
      for (char& c : msg)
        if (c == '\n') c = ' ';
      std::fprintf(out, "fail %s %s\n", id.c_str(), msg.c_str());
    }
    std::fflush(out);
    if (interrupt_signal()) break;  // the parent stopped the run (SIGTERM): take no more trials
  }
  return 0;
}

}  // namespace alchain
