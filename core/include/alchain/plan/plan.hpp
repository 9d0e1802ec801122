/// An experiment as data: the independent trials a pipeline expands to, before any work is done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"

namespace alchain {

/// One generation of a selection chain: `model` trains on the labeled set and, for `cycles`
/// rounds, `policy` picks `per_cycle` more samples with it.
struct Stage {
  std::string name;          ///< generation name (chain) or surrogate name (matrix)
  ModelEntry model;
  PolicyEntry policy;        ///< empty plugin when cycles == 0
  int cycles = 0;
  bool final_round = true;   ///< also train on the set the last cycle leaves (needed by the summary or the next stage)
  std::string summary_row;   ///< the summary row that round fills ("" = none)
};

enum class TrialKind { select, train };
const char* to_string(TrialKind k);

/// Where a train trial's labeled sets come from: the repeat's random order, or the picks of a
/// select trial. Its text ("random", the select trial's ID, "" for a select trial) is what plans
/// describe and result files store.
struct TrialSource {
  enum class Kind { none, random, picks };
  Kind kind = Kind::none;
  std::string trial;  ///< picks: the ID of the select trial whose picks it trains on

  static TrialSource random_order() { return {Kind::random, ""}; }
  static TrialSource picks_of(std::string select_id) { return {Kind::picks, std::move(select_id)}; }
  bool random() const { return kind == Kind::random; }
  bool picks() const { return kind == Kind::picks; }
};
std::string to_string(const TrialSource& s);
/// The inverse of to_string: "" is none, "random" the random order, anything else a trial's ID.
TrialSource trial_source_from_string(const std::string& text);

/// A matrix (surrogates x deployments) or a chain of generations.
enum class PlanKind { chain, matrix };
const char* to_string(PlanKind k);
/// "chain" or "matrix" (as result files store it); nullopt otherwise.
std::optional<PlanKind> plan_kind_from_string(const std::string& text);

/// An independent, serialisable unit of work. `select`: a selection chain of stages from the
/// repeat's initial set. `train`: one model trained on prefixes of another trial's labeling order
/// (or of the repeat's random order) at the given sizes.
struct Trial {
  std::string id;            ///< "select:lenet5:entropy:r0", "train:resnet20:random:r0", ...
  TrialKind kind = TrialKind::select;
  int repeat = 0;
  std::string column;        ///< summary column: the cell ("lenet5/entropy"), "chain" or "random"
  std::vector<Stage> stages; ///< select
  ModelEntry model;          ///< train
  TrialSource source;        ///< train: the select trial whose picks it trains on, or the random order
  std::vector<std::int64_t> sizes;  ///< train: labeled-set sizes, ascending
  std::string summary_row;   ///< train: the row its largest size fills
  /// Trainings this trial does (each a model trained from scratch).
  int trainings() const;
};

/// Seed streams; a seed is derived from what a job is (repeat, model, labeled size, cell,
/// stage, cycle), never from when it runs.
enum SeedStream : std::uint64_t { kSeedInitial = 1, kSeedInit = 2, kSeedData = 3, kSeedPolicy = 4, kSeedRandomOrder = 5 };

struct Plan {
  PlanKind kind = PlanKind::chain;
  std::string name;
  std::string dataset;        ///< plugin and parameters, canonical
  int inference_batch_size = 0;
  int data_parallel_ranks = 1;  ///< run.data_parallel_ranks: in the fingerprint when > 1
  std::int64_t pool_size = 0, initial = 0, per_cycle = 0;
  std::vector<std::uint64_t> seeds;  ///< one per repeat
  std::vector<std::string> rows, columns;  ///< the summary table's layout
  std::vector<Trial> trials;  ///< dependencies come before the trials that use them
  /// Every `[policies.<name>]` entry, described: a wrapper's base (power's) may be one, so its
  /// parameters determine the numbers too.
  std::vector<std::string> policy_entries;
  std::string fingerprint;    ///< hash of describe(): equal plans, equal numbers

  int repeats() const { return static_cast<int>(seeds.size()); }
  const Trial& trial(const std::string& id) const;
  /// Canonical text of everything that determines the results (one line per trial).
  std::string describe() const;
};

/// Expands a pipeline for a pool of `pool_size` samples. A budget that does not fit the pool is an
/// error at [budget]'s position in `diags`, and the plan is then empty.
Plan expand_plan(const Pipeline& p, std::int64_t pool_size, Diagnostics& diags);
/// The same where the pipeline was checked before (the worker, `alchain plan`): a budget that does
/// not fit the pool throws std::runtime_error naming the file.
Plan expand_plan(const Pipeline& p, std::int64_t pool_size);

/// The sorted random initial labeled set of repeat `r`, the same in every trial of the repeat.
std::vector<std::int64_t> initial_set(const Plan& plan, int r);
/// Repeat `r`'s random labeling order: the initial set, then the rest of the pool shuffled; its
/// prefixes are the random baseline's labeled sets, so random picks need no model.
std::vector<std::int64_t> random_order(const Plan& plan, int r, std::int64_t length);

/// Seeds of training `model_name` on a labeled set of `n` samples in repeat `r`: the same for every
/// cell and the random baseline, so paired trainings differ only in the data.
std::uint64_t init_seed(const Plan& plan, int r, const std::string& model_name, std::int64_t n);
std::uint64_t data_seed(const Plan& plan, int r, const std::string& model_name, std::int64_t n);
/// Seed of a selection round (policy randomness, tie-breaks, dropout masks). `key`: "chain" for a
/// chain, "<surrogate>/<policy>" for a matrix cell.
std::uint64_t policy_seed(const Plan& plan, int r, const std::string& trial_column, int stage, int cycle);

/// Canonical one-line texts, used in fingerprints and result files.
std::string describe(const Params& params);
std::string describe(const TrainingOptions& t);

}  // namespace alchain
