// Experiment plans: what a matrix or a chain expands to (trials, training counts, learning
// curves) and how trials are paired (seeds by repeat, model and size, never by cell).

#include <set>
#include <sstream>

#include <doctest/doctest.h>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plan/plan.hpp"
#include "test_support.hpp"

using namespace alchain;
namespace {

Pipeline parse(const std::string& text) {
  Diagnostics d("matrix.toml");
  Pipeline p = parse_pipeline(text, "matrix.toml", test::shipped_plugins(), d);
  REQUIRE_MESSAGE(d.empty(), d.str());
  return p;
}

std::string matrix_text(int repeats, int cycles, bool learning_curves) {
  std::ostringstream os;
  os << R"(schema = 1
[dataset]
plugin = "fashion_mnist"
[budget]
initial = 100
per_cycle = 50
cycles = )" << cycles << R"(
[experiment]
surrogates = ["mlp", "lenet5", "resnet20"]
deployments = ["mlp", "lenet5", "resnet20"]
policies = ["entropy"]
repeats = )" << repeats << "\nlearning_curves = " << (learning_curves ? "true" : "false") << "\n";
  return os.str();
}

struct Counts {
  int select_trials = 0, select_trainings = 0, cell_trainings = 0, random_trainings = 0;
};

Counts count(const Plan& plan) {
  Counts c;
  for (const Trial& t : plan.trials) {
    if (t.kind == TrialKind::select) {
      ++c.select_trials;
      c.select_trainings += t.trainings();
    } else if (t.source.random()) {
      c.random_trainings += t.trainings();
    } else {
      c.cell_trainings += t.trainings();
    }
  }
  return c;
}

}  // namespace

TEST_CASE("a 3x3 matrix trains each selection chain once and one random baseline per (deployment, repeat)") {
  for (int repeats : {1, 4}) {
    for (int cycles : {1, 3}) {
      INFO("repeats " << repeats << ", cycles " << cycles);
      const Plan plan = expand_plan(parse(matrix_text(repeats, cycles, false)), 3000);
      const Counts c = count(plan);
      // Selection: one chain per (surrogate, policy, repeat), whatever the deployments: a training
      // per selecting cycle, plus the surrogate's final round (its diagonal cell).
      CHECK(c.select_trials == 3 * repeats);
      CHECK(c.select_trainings == 3 * repeats * (cycles + 1));
      // Each other deployment trains once on each cell's picks.
      CHECK(c.cell_trainings == 3 * 2 * repeats);
      // Random picks need no model: one training of each deployment per repeat, for every column.
      CHECK(c.random_trainings == 3 * repeats);
      CHECK(plan.rows == std::vector<std::string>{"mlp", "lenet5", "resnet20"});
      CHECK(plan.columns.back() == "random");
      CHECK(plan.columns.size() == 4);

      // Dependencies come first, and every cell training reads a select trial of its repeat.
      std::set<std::string> seen;
      for (const Trial& t : plan.trials) {
        if (t.kind == TrialKind::train && t.source.picks()) {
          CHECK(seen.count(t.source.trial) == 1);
          CHECK(plan.trial(t.source.trial).repeat == t.repeat);
          CHECK(plan.trial(t.source.trial).stages.front().model.name != t.model.name);  // off-diagonal only
        }
        if (t.kind == TrialKind::train) {
          REQUIRE(t.sizes.size() == 1);
          CHECK(t.sizes[0] == 100 + 50 * cycles);  // every cell and the baseline: the same size
        }
        seen.insert(t.id);
      }
      CHECK(seen.size() == plan.trials.size());  // IDs are unique
    }
  }
}

TEST_CASE("learning curves: cells train after every cycle, the random baseline also at the initial set") {
  const int repeats = 2, cycles = 3;
  const Plan plan = expand_plan(parse(matrix_text(repeats, cycles, true)), 3000);
  const Counts c = count(plan);
  CHECK(c.select_trials == 3 * repeats);
  CHECK(c.select_trainings == 3 * repeats * (cycles + 1));
  CHECK(c.cell_trainings == 3 * 2 * repeats * cycles);
  CHECK(c.random_trainings == 3 * repeats * (cycles + 1));
}

TEST_CASE("pairing: seeds depend on (repeat, model, size), never on the cell") {
  const Plan plan = expand_plan(parse(matrix_text(3, 2, false)), 3000);
  for (int r = 0; r < 3; ++r) {
    CHECK(init_seed(plan, r, "lenet5", 200) == init_seed(plan, r, "lenet5", 200));
    CHECK(init_seed(plan, r, "lenet5", 200) != init_seed(plan, r, "mlp", 200));
    CHECK(init_seed(plan, r, "lenet5", 200) != init_seed(plan, r, "lenet5", 150));
    CHECK(data_seed(plan, r, "lenet5", 200) != init_seed(plan, r, "lenet5", 200));
    const auto init = initial_set(plan, r);
    const auto order = random_order(plan, r, 3000);
    CHECK(init.size() == 100);
    CHECK(std::vector<std::int64_t>(order.begin(), order.begin() + 100) == init);
    CHECK(std::set<std::int64_t>(order.begin(), order.end()).size() == 3000);
  }
  CHECK(initial_set(plan, 0) != initial_set(plan, 1));
  // The plan's fingerprint follows what determines the numbers.
  CHECK(expand_plan(parse(matrix_text(3, 2, false)), 3000).fingerprint == plan.fingerprint);
  CHECK(expand_plan(parse(matrix_text(3, 3, false)), 3000).fingerprint != plan.fingerprint);
  // Data-parallel training over N ranks changes the numbers, so it is part of the plan; the
  // default (1, every rank trains the whole batch) leaves the plan text as it was.
  CHECK(plan.describe().find("data_parallel_ranks") == std::string::npos);
  const std::string text = matrix_text(3, 2, false);  // starts "schema = 1\n"
  const Plan two = expand_plan(parse("schema = 1\n[run]\ndata_parallel_ranks = 2\n" + text.substr(text.find('\n') + 1)), 3000);
  CHECK(two.data_parallel_ranks == 2);
  CHECK(two.describe().find(" data_parallel_ranks=2 ") != std::string::npos);
  CHECK(two.fingerprint != plan.fingerprint);
}

TEST_CASE("a chain is a plan too: one select trial per repeat and the random arm per generation") {
  const Plan plan = expand_plan(parse(R"(schema = 1
[dataset]
plugin = "fashion_mnist"
[run]
repeats = 2
[budget]
initial = 100
per_cycle = 50
cycles = 2
[[generation]]
model = "mlp"
policy = "entropy"
[[generation]]
model = "lenet5"
policy = "entropy"
cycles = 1
[[generation]]
model = "resnet20"
cycles = 0
)"),
                                3000);
  CHECK(plan.kind == PlanKind::chain);
  const Counts c = count(plan);
  CHECK(c.select_trials == 2);
  CHECK(c.select_trainings == 2 * (3 + 2 + 1));  // mlp: 2 picking + final; lenet5: 1 + final; resnet20: final
  CHECK(c.random_trainings == 2 * 3);            // one per generation, at its final size
  CHECK(c.cell_trainings == 0);
}
