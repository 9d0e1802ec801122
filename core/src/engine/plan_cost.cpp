// What a plan will cost: trainings by kind and multiply-adds, for `alchain plan`.
#include <algorithm>
#include <map>
#include <ostream>

#include <torch/torch.h>

#include "alchain/engine/experiment.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/util/format.hpp"
#include "alchain/util/text.hpp"

namespace alchain {

PlanCost estimate_cost(const Pipeline& p, const Plan& plan, const PluginRegistry& registry) {
  const auto data = open_dataset(p, registry);
  return estimate_cost(p, plan, registry, data->info(), data->size(Split::test));
}

PlanCost estimate_cost(const Pipeline& p, const Plan& plan, const PluginRegistry& registry, const DatasetInfo& info,
                       std::int64_t test_samples) {
  const auto test_size = static_cast<double>(test_samples);
  const CreateContext ctx = plugin_context(p, registry, info);
  std::map<std::string, double> macs, params;
  std::map<std::string, int> passes;
  auto macs_of = [&](const ModelEntry& m) {
    auto it = macs.find(m.name);
    if (it != macs.end()) return it->second;
    auto model = registry.create_model(m.model.plugin, m.model.params, ctx);
    params[m.name] = static_cast<double>(model->parameter_count());
    return macs[m.name] = static_cast<double>(model->macs(info.input_shape));
  };
  double input_elements = 1;
  for (const auto d : info.input_shape) input_elements *= static_cast<double>(d);
  // One inference batch and one training batch of inputs as float32 (datasets stream their samples;
  // one that keeps a small set in memory, as Fashion-MNIST's 50 MB, fits in the process base), and
  // weights, gradients, momentum and a copy for evaluation: 4 float32 values per parameter.
  auto memory_mb = [&](const ModelEntry& m) {
    const auto batches = static_cast<double>(plan.inference_batch_size + m.training.batch_size);
    return kProcessBaseMb + batches * input_elements * 4 / 1e6 + 16 * params.at(m.name) / 1e6;
  };
  auto passes_of = [&](const PolicyEntry& pe) {
    auto it = passes.find(pe.name);
    if (it != passes.end()) return it->second;
    auto policy = registry.create_policy(pe.policy.plugin, pe.policy.params, ctx);
    const std::uint32_t needs = policy->needs();
    int n = needs == kNeedNothing ? 0 : 1;
    if (needs & kNeedMcLogits) n += policy->mc_passes();
    return passes[pe.name] = n;
  };
  PlanCost c;
  auto training = [&](const ModelEntry& m, std::int64_t n) {
    const double k = macs_of(m);
    // As train_model runs it: min_steps raises the epochs of small sets.
    const std::int64_t bs = m.training.batch_size;
    const std::int64_t stepping = n / bs + (n % bs >= 2 ? 1 : 0);
    std::int64_t epochs = m.training.epochs;
    if (m.training.min_steps > 0 && stepping > 0 && epochs * stepping < m.training.min_steps)
      epochs = (m.training.min_steps + stepping - 1) / stepping;
    c.train_macs += 3.0 * k * static_cast<double>(n) * static_cast<double>(epochs);
    c.eval_macs += k * test_size;
  };
  for (const Trial& t : plan.trials) {
    const double before = c.train_macs + c.score_macs + c.eval_macs;
    struct Share {  // records the trial's MACs however the loop body leaves
      PlanCost& c;
      const std::string& id;
      double before;
      ~Share() { c.trial_macs[id] = c.train_macs + c.score_macs + c.eval_macs - before; }
    } share{c, t.id, before};
    if (t.kind == TrialKind::train) {
      macs_of(t.model);
      c.trial_memory_mb[t.id] = memory_mb(t.model);
      for (auto n : t.sizes) training(t.model, n);
      (t.source.random() ? c.random_trainings : c.deployment_trainings) += static_cast<int>(t.sizes.size());
      continue;
    }
    std::int64_t n = plan.initial;
    for (const Stage& s : t.stages) {
      macs_of(s.model);
      c.trial_memory_mb[t.id] = std::max(c.trial_memory_mb[t.id], memory_mb(s.model));
      for (int cyc = 0; cyc < s.cycles; ++cyc) {
        training(s.model, n);
        c.score_macs += macs_of(s.model) * static_cast<double>(plan.pool_size - n) * passes_of(s.policy);
        n += plan.per_cycle;
        ++c.selecting_rounds;
      }
      if (s.final_round) {
        training(s.model, n);
        ++c.surrogate_final_rounds;
      }
    }
  }
  return c;
}

void print_plan(std::ostream& os, const Plan& plan, const PlanCost& c, double gmacs, bool list) {
  int selects = 0, trains = 0;
  for (const Trial& t : plan.trials) (t.kind == TrialKind::select ? selects : trains)++;
  os << format("plan %s (%s, fingerprint %s)\n", plan.name.c_str(), to_string(plan.kind), plan.fingerprint.c_str());
  os << "  rows (deployments): ";
  os << join(plan.rows) << "\n  columns (picks):    " << join(plan.columns);
  os << format("\n  pool %lld, initial %lld, %lld per cycle, %d repeats\n"
               "  trials: %zu (%d selection chains, %d trainings on picks)\n"
               "  trainings: %d surrogate rounds that pick + %d surrogate rounds on the final set"
               " + %d deployments on surrogate picks + %d on random picks = %d\n",
               static_cast<long long>(plan.pool_size), static_cast<long long>(plan.initial),
               static_cast<long long>(plan.per_cycle), plan.repeats(), plan.trials.size(), selects, trains,
               c.selecting_rounds, c.surrogate_final_rounds, c.deployment_trainings, c.random_trainings,
               c.selecting_rounds + c.surrogate_final_rounds + c.deployment_trainings + c.random_trainings);
  const double total = c.train_macs + c.score_macs + c.eval_macs;
  os << format("  cost: %.3g multiply-adds (training %.0f%%, scoring %.0f%%, evaluation %.0f%%);"
               " about %.0f min at %.0f GMAC/s (an assumption: --speed)\n",
               total, 100 * c.train_macs / total, 100 * c.score_macs / total, 100 * c.eval_macs / total,
               total / (gmacs * 1e9) / 60.0, gmacs);
  // Initial weights (the fingerprint names their bytes; the user should see which files).
  std::map<std::string, const ModelEntry*> weighted;
  auto note = [&](const ModelEntry& m) {
    if (!m.weights.path.empty()) weighted.emplace(m.name, &m);
  };
  for (const Trial& t : plan.trials) {
    for (const Stage& s : t.stages) note(s.model);
    note(t.model);
  }
  for (const auto& [name, m] : weighted)
    os << "  weights: " << name << " from " << m->weights.path
       << (m->weights.into.empty() ? "" : " (into " + m->weights.into + ")") << ", fnv1a " << m->weights.digest << "\n";
  if (!list) return;
  os << "\n";
  for (const Trial& t : plan.trials) {
    os << "  " << t.id << "  ";
    if (t.kind == TrialKind::select) {
      for (std::size_t i = 0; i < t.stages.size(); ++i) {
        const Stage& s = t.stages[i];
        os << (i ? " -> " : "") << s.model.name << "(" << (s.cycles > 0 ? s.policy.name + " x" + std::to_string(s.cycles) : "train")
           << ")";
      }
    } else {
      os << t.model.name << " on " << to_string(t.source) << " at";
      for (auto n : t.sizes) os << " " << n;
    }
    os << "  [" << t.trainings() << " training" << (t.trainings() == 1 ? "" : "s") << "]\n";
  }
}

}  // namespace alchain
