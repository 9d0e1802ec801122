// The scheduler against a fake executor: dependency order, selections first, slots, done trials skipped.
#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "alchain/engine/scheduler.hpp"

using namespace alchain;
namespace {

/// Records what it is handed; ends submitted trials in submission order, failing the ones named.
class FakeExecutor final : public Executor {
 public:
  explicit FakeExecutor(int slots, std::set<std::string> fail = {}) : slots_(slots), fail_(std::move(fail)) {}
  int slots() const override { return slots_; }
  void submit(const Trial& t) override {
    submitted.push_back(t.id);
    running_.push_back(t.id);
    max_running = std::max(max_running, static_cast<int>(running_.size()));
  }
  TrialDone wait() override {
    TrialDone d;
    d.id = running_.front();
    running_.pop_front();
    if (fail_.count(d.id)) d.error = "out of memory";
    return d;
  }

  std::vector<std::string> submitted;
  int max_running = 0;

 private:
  int slots_;
  std::set<std::string> fail_;
  std::deque<std::string> running_;
};

Trial select_trial(const std::string& id) {
  Trial t;
  t.id = id;
  t.kind = TrialKind::select;
  return t;
}

Trial train_trial(const std::string& id, TrialSource source) {
  Trial t;
  t.id = id;
  t.kind = TrialKind::train;
  t.source = std::move(source);
  return t;
}

/// A matrix-like plan in plan order: each selection followed by the trainings on its picks, the
/// random baseline last.
Plan small_plan() {
  Plan plan;
  plan.kind = PlanKind::matrix;
  plan.trials = {select_trial("select:a:r0"), train_trial("train:b:a:r0", TrialSource::picks_of("select:a:r0")),
                 select_trial("select:b:r0"), train_trial("train:a:b:r0", TrialSource::picks_of("select:b:r0")),
                 train_trial("train:a:random:r0", TrialSource::random_order())};
  return plan;
}

struct Run {
  std::set<std::string> done;
  std::vector<std::string> finished;  ///< in the order on_done saw them
};

void run(const Plan& plan, FakeExecutor& ex, Run& r) {
  schedule_trials(
      plan, ex, [&](const std::string& id) { return r.done.count(id) != 0; },
      [&](const TrialDone& d) {
        r.done.insert(d.id);
        r.finished.push_back(d.id);
      });
}

std::size_t position(const std::vector<std::string>& v, const std::string& id) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), id) - v.begin());
}

}  // namespace

TEST_CASE("scheduler: every trial once, a training on picks only after its selection is done") {
  const Plan plan = small_plan();
  for (int slots : {1, 2, 8}) {
    CAPTURE(slots);
    FakeExecutor ex(slots);
    Run r;
    run(plan, ex, r);
    CHECK(ex.submitted.size() == plan.trials.size());
    CHECK(std::set<std::string>(ex.submitted.begin(), ex.submitted.end()).size() == plan.trials.size());
    CHECK(ex.max_running <= slots);
    for (const Trial& t : plan.trials)
      if (t.source.picks()) CHECK(position(r.finished, t.source.trial) < position(ex.submitted, t.id));
  }
}

TEST_CASE("scheduler: selections go first; one slot runs the plan in the order that keeps a slot busy") {
  FakeExecutor one(1);
  Run r1;
  run(small_plan(), one, r1);
  CHECK(one.submitted == std::vector<std::string>{"select:a:r0", "select:b:r0", "train:b:a:r0", "train:a:b:r0",
                                                   "train:a:random:r0"});
  FakeExecutor many(8);
  Run r8;
  run(small_plan(), many, r8);
  // Both selections and the random baseline (no dependency) start at once; the rest as sources end.
  CHECK(many.submitted == std::vector<std::string>{"select:a:r0", "select:b:r0", "train:a:random:r0", "train:b:a:r0",
                                                    "train:a:b:r0"});
}

TEST_CASE("scheduler: done trials are skipped, and trainings on a done selection start at once") {
  FakeExecutor ex(1);
  Run r;
  r.done = {"select:a:r0", "train:a:random:r0"};
  run(small_plan(), ex, r);
  CHECK(ex.submitted == std::vector<std::string>{"select:b:r0", "train:b:a:r0", "train:a:b:r0"});
  CHECK(r.finished == ex.submitted);

  FakeExecutor none(2);
  Run all;
  for (const Trial& t : small_plan().trials) all.done.insert(t.id);
  run(small_plan(), none, all);
  CHECK(none.submitted.empty());
}

TEST_CASE("scheduler: a failed trial stops the run, naming it; broken dependencies are a logic error") {
  FakeExecutor ex(1, {"select:b:r0"});
  Run r;
  CHECK_THROWS_WITH_AS(run(small_plan(), ex, r), "trial select:b:r0: out of memory", std::runtime_error);
  CHECK(r.finished == std::vector<std::string>{"select:a:r0"});

  Plan broken;
  broken.trials = {train_trial("train:a:x:r0", TrialSource::picks_of("select:x:r0"))};
  FakeExecutor idle(1);
  Run r2;
  CHECK_THROWS_AS(run(broken, idle, r2), std::logic_error);
  CHECK(idle.submitted.empty());
}

TEST_CASE("trial sources and plan kinds keep their file texts") {
  CHECK(to_string(TrialSource::random_order()) == "random");
  CHECK(to_string(TrialSource::picks_of("select:a:r0")) == "select:a:r0");
  CHECK(to_string(TrialSource{}).empty());
  for (const std::string text : {"", "random", "select:lenet5:entropy:r2"})
    CHECK(to_string(trial_source_from_string(text)) == text);
  CHECK(trial_source_from_string("random").random());
  CHECK(trial_source_from_string("select:a:r0").picks());
  CHECK(std::string(to_string(PlanKind::chain)) == "chain");
  CHECK(std::string(to_string(PlanKind::matrix)) == "matrix");
  CHECK(plan_kind_from_string("matrix") == PlanKind::matrix);
  CHECK(plan_kind_from_string("chain") == PlanKind::chain);
  CHECK(!plan_kind_from_string("grid"));
}
