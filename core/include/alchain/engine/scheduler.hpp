/// Which trials of a plan run and in what order: ready trials go to an executor, dependencies first.
#pragma once

#include <functional>
#include <string>

#include "alchain/engine/executor.hpp"
#include "alchain/plan/plan.hpp"

namespace alchain {

/// Runs every trial of `plan` that `is_done` does not report done, on `executor`, at most
/// `executor.slots()` at a time. A train trial on a selection's picks starts only once its source
/// is done; among ready trials, selection chains go first, since deployment trainings wait for them.
/// After each success `on_done` records it (so that `is_done` answers true for it from then on).
/// A failed trial throws "trial <id>: <error>" (an Interrupted instead if a signal stopped the run);
/// a signal stops the scheduling of new trials (check_interrupt).
void schedule_trials(const Plan& plan, Executor& executor, const std::function<bool(const std::string&)>& is_done,
                     const std::function<void(const TrialDone&)>& on_done);

}  // namespace alchain
