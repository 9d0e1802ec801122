// Expands chains and matrices into trials; derives every seed from what a job is.
#include "alchain/plan/plan.hpp"
#include "alchain/util/digest.hpp"
#include "alchain/util/format.hpp"
#include "alchain/util/text.hpp"
#include "alchain/version.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>

#include "alchain/sdk/rng.hpp"

namespace alchain {

const char* to_string(TrialKind k) { return k == TrialKind::select ? "select" : "train"; }

std::string to_string(const TrialSource& s) {
  switch (s.kind) {
    case TrialSource::Kind::random: return "random";
    case TrialSource::Kind::picks: return s.trial;
    case TrialSource::Kind::none: break;
  }
  return "";
}

TrialSource trial_source_from_string(const std::string& text) {
  if (text.empty()) return {};
  if (text == "random") return TrialSource::random_order();
  return TrialSource::picks_of(text);
}

const char* to_string(PlanKind k) { return k == PlanKind::matrix ? "matrix" : "chain"; }

std::optional<PlanKind> plan_kind_from_string(const std::string& text) {
  if (text == "chain") return PlanKind::chain;
  if (text == "matrix") return PlanKind::matrix;
  return std::nullopt;
}

int Trial::trainings() const {
  if (kind == TrialKind::train) return static_cast<int>(sizes.size());
  int n = 0;
  for (const Stage& s : stages) n += s.cycles + (s.final_round ? 1 : 0);
  return n;
}

const Trial& Plan::trial(const std::string& id) const {
  for (const Trial& t : trials)
    if (t.id == id) return t;
  throw std::out_of_range("no trial '" + id + "' in plan '" + name + "'");
}

std::string describe(const Params& params) {
  std::ostringstream os;
  os.precision(17);
  os << "{";
  bool first = true;
  for (const auto& [k, v] : params.values()) {
    os << (first ? "" : ",") << k << "=";
    first = false;
    std::visit(
        [&os](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) os << '"' << x << '"';
          else if constexpr (std::is_same_v<T, std::vector<std::int64_t>> || std::is_same_v<T, std::vector<double>>) {
            os << "[";
            for (std::size_t i = 0; i < x.size(); ++i) os << (i ? "," : "") << x[i];
            os << "]";
          } else os << x;
        },
        v);
  }
  os << "}";
  return os.str();
}

std::string describe(const TrainingOptions& t) {
  std::ostringstream os;
  os.precision(17);
  os << "epochs=" << t.epochs << ",batch_size=" << t.batch_size << ",lr=" << t.lr << ",momentum=" << t.momentum
     << ",nesterov=" << t.nesterov << ",weight_decay=" << t.weight_decay << ",schedule=" << t.schedule
     << ",step_epochs=" << t.step_epochs << ",gamma=" << t.gamma;
  // Only when set, so plans (and their fingerprints) written before these options stay valid.
  if (t.min_steps > 0) os << ",min_steps=" << t.min_steps;
  if (t.augment_crop_padding > 0) os << ",augment_crop_padding=" << t.augment_crop_padding;
  if (t.augment_hflip) os << ",augment_hflip=1";
  return os.str();
}

namespace {

/// "plugin@version": a plugin of another version may compute other numbers, so it is another plan.
std::string plugin_text(const PluginRef& r) { return r.version.empty() ? r.plugin : r.plugin + "@" + r.version; }

std::string describe_model(const ModelEntry& m) {
  // Weights only when given (plans written before them stay valid), by content: the same bytes
  // under another path are the same plan.
  std::string weights;
  if (!m.weights.path.empty())
    weights = "[weights=" + m.weights.digest + (m.weights.into.empty() ? "" : "@" + m.weights.into) + "]";
  return m.name + "=" + plugin_text(m.model) + describe(m.model.params) + "[" + describe(m.training) + "]" + weights;
}

std::string describe_policy(const PolicyEntry& p) {
  if (p.policy.plugin.empty()) return "-";
  // The reduction only when not the default, so plans (and fingerprints) written before it stay valid.
  const PixelReduction standard;
  std::string reduction;
  if (!(p.reduction == standard))
    reduction = "[reduction=" + p.reduction.method + "," + std::to_string(p.reduction.fraction) + "]";
  return p.name + "=" + plugin_text(p.policy) + describe(p.policy.params) + (p.reference ? "[reference]" : "") +
         reduction;
}

std::string hex(std::uint64_t x) { return format("%016llx", static_cast<unsigned long long>(x)); }

std::string rtag(int r) { return "r" + std::to_string(r); }

/// The labeled-set sizes a stage trains at: before each cycle, and after the last if asked.
std::vector<std::int64_t> stage_sizes(std::int64_t start, std::int64_t per_cycle, int cycles, bool final_round) {
  std::vector<std::int64_t> v;
  for (int c = 0; c < cycles + (final_round ? 1 : 0); ++c) v.push_back(start + per_cycle * c);
  return v;
}

void expand_chain(const Pipeline& p, Plan& plan) {
  plan.kind = PlanKind::chain;
  plan.columns = {"chain"};
  if (p.random_baseline) plan.columns.push_back("random");
  std::vector<Stage> stages;
  for (const GenerationSpec& g : p.generations) {
    Stage s;
    s.name = g.name;
    s.model.name = g.name;
    s.model.model = g.model;
    s.model.weights = g.weights;
    s.model.training = g.training;
    s.policy.name = g.policy.plugin;
    s.policy.policy = g.policy;
    s.policy.reference = g.reference;
    s.policy.reduction = g.reduction;
    s.cycles = g.cycles;
    s.final_round = true;  // each generation's accuracy, the committee's members
    s.summary_row = g.name;
    stages.push_back(s);
    plan.rows.push_back(g.name);
  }
  for (int r = 0; r < plan.repeats(); ++r) {
    Trial t;
    t.id = "chain:" + rtag(r);
    t.kind = TrialKind::select;
    t.repeat = r;
    t.column = "chain";
    t.stages = stages;
    plan.trials.push_back(t);
  }
  if (!p.random_baseline) return;
  for (int r = 0; r < plan.repeats(); ++r) {
    std::int64_t start = plan.initial;
    for (const Stage& s : stages) {
      const std::int64_t end = start + plan.per_cycle * s.cycles;
      Trial t;
      t.id = "train:" + s.name + ":random:" + rtag(r);
      t.kind = TrialKind::train;
      t.repeat = r;
      t.column = "random";
      t.model = s.model;
      t.source = TrialSource::random_order();
      t.sizes = p.random_learning_curve ? stage_sizes(start, plan.per_cycle, s.cycles, true) : std::vector<std::int64_t>{end};
      t.summary_row = s.name;
      plan.trials.push_back(t);
      start = end;
    }
  }
}

void expand_matrix(const Pipeline& p, Plan& plan) {
  const ExperimentSpec& x = p.experiment;
  plan.kind = PlanKind::matrix;
  const int cycles = p.budget.cycles;
  const std::int64_t final_size = plan.initial + plan.per_cycle * cycles;
  std::set<std::string> deployed;
  for (const ModelEntry& d : x.deployments) {
    plan.rows.push_back(d.name);
    deployed.insert(d.name);
  }
  auto column_of = [&](const ModelEntry& s, const PolicyEntry& pe) {
    return x.policies.size() == 1 ? s.name : s.name + "/" + pe.name;
  };
  for (const PolicyEntry& pe : x.policies)
    for (const ModelEntry& s : x.surrogates) plan.columns.push_back(column_of(s, pe));
  if (p.random_baseline) plan.columns.push_back("random");

  // Training sizes of a deployment on a cell's picks. The initial set is the same in every cell,
  // so with learning curves its point is trained once, in the random baseline.
  const std::vector<std::int64_t> cell_sizes =
      x.learning_curves ? stage_sizes(plan.initial + plan.per_cycle, plan.per_cycle, cycles - 1, true)
                        : std::vector<std::int64_t>{final_size};
  const std::vector<std::int64_t> random_sizes =
      x.learning_curves ? stage_sizes(plan.initial, plan.per_cycle, cycles, true) : std::vector<std::int64_t>{final_size};

  for (int r = 0; r < plan.repeats(); ++r) {
    for (const PolicyEntry& pe : x.policies) {
      for (const ModelEntry& s : x.surrogates) {
        // The surrogate's own last round is its diagonal cell: it trains with the deployment
        // seeds, so it is exactly the training a deployment trial would do, done once.
        Trial sel;
        sel.id = "select:" + s.name + ":" + pe.name + ":" + rtag(r);
        sel.kind = TrialKind::select;
        sel.repeat = r;
        sel.column = column_of(s, pe);
        Stage st;
        st.name = s.name;
        st.model = s;
        st.policy = pe;
        st.cycles = cycles;
        st.final_round = deployed.count(s.name) != 0;
        st.summary_row = st.final_round ? s.name : "";
        sel.stages = {st};
        plan.trials.push_back(sel);
        for (const ModelEntry& d : x.deployments) {
          if (d.name == s.name) continue;
          Trial t;
          t.id = "train:" + d.name + ":" + s.name + ":" + pe.name + ":" + rtag(r);
          t.kind = TrialKind::train;
          t.repeat = r;
          t.column = sel.column;
          t.model = d;
          t.source = TrialSource::picks_of(sel.id);
          t.sizes = cell_sizes;
          t.summary_row = d.name;
          plan.trials.push_back(t);
        }
      }
    }
    if (!p.random_baseline) continue;
    for (const ModelEntry& d : x.deployments) {
      Trial t;
      t.id = "train:" + d.name + ":random:" + rtag(r);
      t.kind = TrialKind::train;
      t.repeat = r;
      t.column = "random";
      t.model = d;
      t.source = TrialSource::random_order();
      t.sizes = random_sizes;
      t.summary_row = d.name;
      plan.trials.push_back(t);
    }
  }
}

/// The plan's sizes and seeds, before any trial.
Plan plan_frame(const Pipeline& p, std::int64_t pool_size) {
  Plan plan;
  plan.name = p.name;
  plan.pool_size = pool_size;
  plan.dataset = plugin_text(p.dataset) + describe(p.dataset.params);
  plan.inference_batch_size = p.run.inference_batch_size;
  plan.data_parallel_ranks = p.run.data_parallel_ranks;
  plan.initial = p.budget.initial.resolve(pool_size);
  plan.per_cycle = p.budget.per_cycle.resolve(pool_size);
  for (int r = 0; r < p.run.repeats; ++r) plan.seeds.push_back(p.run.seed + static_cast<std::uint64_t>(r));
  return plan;
}

/// Why the budget does not fit the pool, or "" when it does.
std::string budget_problem(const Pipeline& p, const Plan& plan) {
  // Counts come from the file (up to 2^63 - 1 each): the sum saturates instead of overflowing.
  std::int64_t needed = plan.initial;
  auto add_cycles = [&](std::int64_t cycles) {
    std::int64_t n = 0;
    if (__builtin_mul_overflow(plan.per_cycle, cycles, &n) || __builtin_add_overflow(needed, n, &needed))
      needed = std::numeric_limits<std::int64_t>::max();
  };
  if (p.experiment.present) {
    add_cycles(p.budget.cycles);
  } else {
    for (const auto& g : p.generations) add_cycles(g.cycles);
  }
  if (needed <= plan.pool_size) return "";
  return "the budget needs " +
         (needed == std::numeric_limits<std::int64_t>::max() ? std::string("more than 2^63") : std::to_string(needed)) +
         " labeled samples (initial " + std::to_string(plan.initial) + " + " + std::to_string(plan.per_cycle) +
         " per cycle), the pool has " + std::to_string(plan.pool_size);
}

void expand_trials(const Pipeline& p, Plan& plan) {
  if (p.experiment.present) expand_matrix(p, plan);
  else expand_chain(p, plan);
  for (const PolicyEntry& e : p.policy_entries) plan.policy_entries.push_back(describe_policy(e));
  plan.fingerprint = hex(hash_name(plan.describe()));
}

}  // namespace

Plan expand_plan(const Pipeline& p, std::int64_t pool_size, Diagnostics& diags) {
  Plan plan = plan_frame(p, pool_size);
  if (const std::string problem = budget_problem(p, plan); !problem.empty()) {
    diags.error(p.budget.pos, "budget: " + problem);
    return Plan{};
  }
  expand_trials(p, plan);
  return plan;
}

Plan expand_plan(const Pipeline& p, std::int64_t pool_size) {
  Plan plan = plan_frame(p, pool_size);
  if (const std::string problem = budget_problem(p, plan); !problem.empty())
    throw std::runtime_error(p.path + ": " + problem);
  expand_trials(p, plan);
  return plan;
}

std::string Plan::describe() const {
  std::ostringstream os;
  os << "plan " << to_string(kind) << " alchain=" << ALCHAIN_VERSION_STRING << " dataset=" << dataset << " inference_batch_size=" << inference_batch_size << " pool=" << pool_size << " initial=" << initial << " per_cycle=" << per_cycle;
  // Only when set: the plans (and fingerprints) of pipelines without it stay what they were.
  if (data_parallel_ranks > 1) os << " data_parallel_ranks=" << data_parallel_ranks;
  os << " seeds=";
  os << join(seeds, ",");
  os << "\n";
  for (const std::string& e : policy_entries) os << "policy_entry " << e << "\n";
  for (const Trial& t : trials) {
    os << t.id << " " << to_string(t.kind) << " r" << t.repeat << " column=" << t.column;
    if (t.kind == TrialKind::select) {
      for (const Stage& s : t.stages)
        os << " | " << s.name << " " << describe_model(s.model) << " " << describe_policy(s.policy) << " cycles=" << s.cycles
           << (s.final_round ? " final" : "") << " row=" << s.summary_row;
    } else {
      os << " | " << describe_model(t.model) << " source=" << to_string(t.source) << " sizes=";
      os << join(t.sizes, ",");
      os << " row=" << t.summary_row;
    }
    os << "\n";
  }
  return os.str();
}

std::vector<std::int64_t> initial_set(const Plan& plan, int r) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(plan.pool_size));
  std::iota(all.begin(), all.end(), std::int64_t{0});
  Rng(derive_seed(plan.seeds.at(r), {kSeedInitial})).shuffle_prefix(all, static_cast<std::size_t>(plan.initial));
  std::vector<std::int64_t> initial(all.begin(), all.begin() + plan.initial);
  std::sort(initial.begin(), initial.end());
  return initial;
}

std::vector<std::int64_t> random_order(const Plan& plan, int r, std::int64_t length) {
  std::vector<std::int64_t> order = initial_set(plan, r);
  std::vector<char> taken(static_cast<std::size_t>(plan.pool_size), 0);
  for (auto id : order) taken[static_cast<std::size_t>(id)] = 1;
  std::vector<std::int64_t> rest;
  rest.reserve(static_cast<std::size_t>(plan.pool_size) - order.size());
  for (std::int64_t i = 0; i < plan.pool_size; ++i)
    if (!taken[static_cast<std::size_t>(i)]) rest.push_back(i);
  const auto extra = static_cast<std::size_t>(std::max<std::int64_t>(0, length - plan.initial));
  Rng(derive_seed(plan.seeds.at(r), {kSeedRandomOrder})).shuffle_prefix(rest, extra);
  order.insert(order.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(std::min(extra, rest.size())));
  return order;
}

std::uint64_t init_seed(const Plan& plan, int r, const std::string& model_name, std::int64_t n) {
  return derive_seed(plan.seeds.at(r), {kSeedInit, hash_name(model_name), static_cast<std::uint64_t>(n)});
}

std::uint64_t data_seed(const Plan& plan, int r, const std::string& model_name, std::int64_t n) {
  return derive_seed(plan.seeds.at(r), {kSeedData, hash_name(model_name), static_cast<std::uint64_t>(n)});
}

std::uint64_t policy_seed(const Plan& plan, int r, const std::string& trial_column, int stage, int cycle) {
  return derive_seed(plan.seeds.at(r), {kSeedPolicy, hash_name(trial_column), static_cast<std::uint64_t>(stage),
                                        static_cast<std::uint64_t>(cycle)});
}

}  // namespace alchain
