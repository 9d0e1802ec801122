// The scheduler: hands a plan's pending trials to an executor as their dependencies finish.
#include "alchain/engine/scheduler.hpp"

#include <set>
#include <stdexcept>
#include <vector>

#include "alchain/run/interrupt.hpp"

namespace alchain {

namespace {

bool ready(const Trial& t, const std::function<bool(const std::string&)>& is_done) {
  return t.kind == TrialKind::select || t.source.random() || is_done(t.source.trial);
}

}  // namespace

void schedule_trials(const Plan& plan, Executor& executor, const std::function<bool(const std::string&)>& is_done,
                     const std::function<void(const TrialDone&)>& on_done) {
  std::vector<const Trial*> pending;
  for (const Trial& t : plan.trials)
    if (!is_done(t.id)) pending.push_back(&t);
  std::set<std::string> running;
  auto has_slot = [&] { return static_cast<int>(running.size()) < executor.slots(); };
  while (!pending.empty() || !running.empty()) {
    check_interrupt();  // a stopped run starts nothing new
    for (int pass = 0; pass < 2 && has_slot(); ++pass) {
      for (auto it = pending.begin(); it != pending.end() && has_slot();) {
        const Trial& t = **it;
        if (ready(t, is_done) && (pass == 1 || t.kind == TrialKind::select)) {
          executor.submit(t);
          running.insert(t.id);
          it = pending.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (running.empty()) throw std::logic_error("no trial is ready to run: the plan's dependencies are broken");
    const TrialDone d = executor.wait();
    running.erase(d.id);
    if (!d.error.empty()) {
      check_interrupt();  // a worker stopped by the signal too: an interruption, not a failure
      throw std::runtime_error("trial " + d.id + ": " + d.error);
    }
    on_done(d);
  }
}

}  // namespace alchain
