// The active-learning loop over a chain of generations, with a random baseline arm.
#include "alchain/run/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/results/result_writer.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/rng.hpp"

namespace alchain {

namespace {

// Streams of derived seeds; the arm is not part of any, so both arms start alike.
enum : std::uint64_t { kSeedInitial = 1, kSeedModel = 2, kSeedData = 3, kSeedPolicy = 4 };

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

/// The oracle: labels of train-split samples, revealed only for samples that are labeled.
std::vector<std::int64_t> reveal_labels(Dataset& data, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return {};
  at::Tensor t = torch::from_blob(const_cast<std::int64_t*>(ids.data()), {static_cast<std::int64_t>(ids.size())},
                                  torch::kInt64);
  at::Tensor y = data.labels(Split::train, t).to(torch::kInt64).contiguous();
  return std::vector<std::int64_t>(y.data_ptr<std::int64_t>(), y.data_ptr<std::int64_t>() + y.numel());
}

/// Checks a policy's picks: the right number, distinct, all from the pool.
void check_selection(const Selection& s, std::int64_t budget, const std::vector<char>& is_labeled,
                     std::int64_t pool_total, const std::string& who) {
  if (static_cast<std::int64_t>(s.picked.size()) != budget)
    throw std::runtime_error(who + " picked " + std::to_string(s.picked.size()) + " samples, budget is " +
                             std::to_string(budget));
  std::set<std::int64_t> seen;
  for (auto id : s.picked) {
    if (id < 0 || id >= pool_total || is_labeled[static_cast<std::size_t>(id)])
      throw std::runtime_error(who + " picked sample " + std::to_string(id) + ", which is not in the unlabeled pool");
    if (!seen.insert(id).second) throw std::runtime_error(who + " picked sample " + std::to_string(id) + " twice");
  }
  if (s.scores.size() != s.score_ids.size())
    throw std::runtime_error(who + " returned " + std::to_string(s.scores.size()) + " scores for " +
                             std::to_string(s.score_ids.size()) + " sample IDs");
}

}  // namespace

RunSummary run_pipeline(const Pipeline& p, const PluginRegistry& registry, const RunOptions& opts) {
  const double t_start = now();
  const Progress progress(opts.quiet);
  RunSummary summary;
  summary.output = opts.output;
  summary.threads = set_compute_threads(opts.threads >= 0 ? opts.threads : p.run.threads);
  progress.line("alchain: " + p.name + " (" + tuning_summary() + ")");

  // Everything that can be checked before training, before the output file exists.
  CreateContext dctx;
  dctx.base_dir = std::filesystem::path(p.path).parent_path().string();
  std::shared_ptr<Dataset> data = registry.create_dataset(p.dataset.plugin, p.dataset.params, dctx);
  const DatasetInfo info = data->info();
  if (info.task != Task::classification)
    throw std::runtime_error("dataset '" + p.dataset.plugin + "': only classification is supported so far");
  const std::int64_t num_classes = static_cast<std::int64_t>(info.class_names.size());
  const std::int64_t pool_total = data->size(Split::train);
  const std::int64_t initial = p.budget.initial.resolve(pool_total);
  const std::int64_t per_cycle = p.budget.per_cycle.resolve(pool_total);
  std::int64_t needed = initial;
  for (const auto& g : p.generations) needed += per_cycle * g.cycles;
  if (needed > pool_total)
    throw std::runtime_error(p.path + ": the budget needs " + std::to_string(needed) + " labeled samples (initial " +
                             std::to_string(initial) + " + " + std::to_string(per_cycle) +
                             " per cycle), the pool has " + std::to_string(pool_total));
  CreateContext mctx;
  mctx.num_classes = num_classes;
  mctx.input_shape = info.input_shape;
  mctx.make_policy = [&registry, mctx_copy = mctx](const std::string& name) {
    return registry.create_policy(name, default_params(registry.get(PluginKind::policy, name)), mctx_copy);
  };
  std::vector<std::shared_ptr<Policy>> policies;
  std::shared_ptr<Policy> random_policy;
  for (std::size_t gi = 0; gi < p.generations.size(); ++gi) {
    const GenerationSpec& g = p.generations[gi];
    auto model = registry.create_model(g.model.plugin, g.model.params, mctx);  // fail early on bad parameters
    policies.push_back(g.policy.plugin.empty() ? nullptr : registry.create_policy(g.policy.plugin, g.policy.params, mctx));
    if (policies.back() && (policies.back()->needs() & kNeedMcLogits) && !has_active_dropout(*model))
      throw std::runtime_error(p.path + ": generation[" + std::to_string(gi) + "] (" + g.name + "): policy '" +
                               g.policy.plugin + "' samples dropout at inference, but model '" + g.model.plugin +
                               "' has no dropout > 0: set model_params.dropout");
  }
  if (p.random_baseline) random_policy = registry.create_policy("random", default_params(registry.get(PluginKind::policy, "random")), mctx);

  std::vector<std::string> arms{"chain"};
  if (p.random_baseline) arms.push_back("random");
  RunAttributes attrs;
  attrs.pipeline_name = p.name;
  attrs.pipeline_path = p.path;
  attrs.pipeline_text = p.text;
  attrs.dataset = p.dataset.plugin;
  for (int r = 0; r < p.run.repeats; ++r) attrs.seeds.push_back(p.run.seed + static_cast<std::uint64_t>(r));
  attrs.threads = summary.threads;
  attrs.arms = arms;
  attrs.class_names = info.class_names;
  ResultWriter writer(opts.output, opts.overwrite, attrs);

  for (const auto& g : p.generations) {
    GenerationSummary gs;
    gs.name = g.name;
    gs.model = g.model.plugin;
    gs.policy = g.cycles > 0 ? g.policy.plugin : "-";
    summary.generations.push_back(gs);
  }

  try {
    for (int rep = 0; rep < p.run.repeats; ++rep) {
      const std::uint64_t seed = attrs.seeds[rep];
      std::vector<std::int64_t> all(static_cast<std::size_t>(pool_total));
      std::iota(all.begin(), all.end(), std::int64_t{0});
      Rng(derive_seed(seed, {kSeedInitial})).shuffle_prefix(all, static_cast<std::size_t>(initial));
      std::vector<std::int64_t> initial_ids(all.begin(), all.begin() + initial);
      std::sort(initial_ids.begin(), initial_ids.end());
      writer.write_initial(rep, seed, initial_ids);

      for (const std::string& arm : arms) {
        std::vector<std::int64_t> labeled = initial_ids;
        std::vector<std::int64_t> labels = reveal_labels(*data, labeled);
        std::vector<std::shared_ptr<Model>> last_models;  // each finished generation's last model: the committee
        for (std::size_t gi = 0; gi < p.generations.size(); ++gi) {
          const GenerationSpec& g = p.generations[gi];
          Policy* policy = arm == "chain" ? policies[gi].get() : random_policy.get();
          const std::string policy_name = g.cycles == 0 ? "" : arm == "chain" ? g.policy.plugin : "random";
          for (int c = 0; c <= g.cycles; ++c) {
            const std::string where = "[repeat " + std::to_string(rep + 1) + "/" + std::to_string(p.run.repeats) +
                                      "] " + arm + " " + g.name + " (" + g.model.plugin + ") cycle " +
                                      std::to_string(c) + "/" + std::to_string(g.cycles);
            CycleRecord rec;
            rec.repeat = rep;
            rec.arm = arm;
            rec.generation = static_cast<int>(gi);
            rec.generation_name = g.name;
            rec.model = g.model.plugin;
            rec.policy = policy_name;
            rec.reference = arm == "chain" && g.reference;
            rec.cycle = c;
            rec.seed = derive_seed(seed, {kSeedModel, gi, static_cast<std::uint64_t>(c)});
            rec.labeled = labeled;

            torch::manual_seed(rec.seed);
            std::shared_ptr<Model> model = registry.create_model(g.model.plugin, g.model.params, mctx);
            rec.model_parameters = model->parameter_count();
            rec.model_macs = model->macs(info.input_shape);
            progress.line(where + ": training on " + std::to_string(labeled.size()) + " samples");
            // A policy's training head (LLAL) trains with the surrogate of its own arm only.
            const std::shared_ptr<TrainingHead> head =
                policy && g.cycles > 0 && arm == "chain" ? policy->training_head() : nullptr;
            const TrainResult tr = train_model(*model, *data, labeled, labels, g.training,
                                               derive_seed(seed, {kSeedData, gi, static_cast<std::uint64_t>(c)}),
                                               progress, head.get());
            const EvalResult ev = evaluate_model(*model, *data, num_classes, p.run.inference_batch_size);
            rec.accuracy = ev.accuracy;
            rec.per_class_accuracy = ev.per_class;
            rec.train_loss = tr.last_epoch_loss;
            rec.timings["train_s"] = tr.seconds;
            rec.timings["eval_s"] = ev.seconds;
            progress.line(where + ": test accuracy " + fmt("%.4f", ev.accuracy) + " (train " +
                          fmt("%.1f", tr.seconds) + " s)");

            if (c < g.cycles) {
              std::vector<char> is_labeled(static_cast<std::size_t>(pool_total), 0);
              for (auto id : labeled) is_labeled[static_cast<std::size_t>(id)] = 1;
              std::vector<std::int64_t> pool;
              pool.reserve(static_cast<std::size_t>(pool_total) - labeled.size());
              for (std::int64_t i = 0; i < pool_total; ++i)
                if (!is_labeled[static_cast<std::size_t>(i)]) pool.push_back(i);
              SelectionContext ctx;
              ctx.budget = std::min<std::int64_t>(per_cycle, static_cast<std::int64_t>(pool.size()));
              ctx.pool_size = static_cast<std::int64_t>(pool.size());
              ctx.num_classes = num_classes;
              ctx.seed = derive_seed(seed, {kSeedPolicy, gi, static_cast<std::uint64_t>(c)});
              ctx.generation = static_cast<int>(gi);
              ctx.cycle = c;
              ctx.labeled = &labeled;
              const std::string who = "policy '" + policy_name + "'";
              const double ts = now();
              Selection sel;
              try {
                policy->begin(ctx);
                StreamRequest req;
                req.needs = policy->needs();
                req.mc_passes = policy->mc_passes();
                req.seed = ctx.seed;
                for (const auto& m : last_models) req.committee.push_back(m.get());
                req.labels_allowed = rec.reference;
                if (req.needs & kNeedLabeled) {
                  StreamRequest lreq;
                  lreq.needs = req.needs & (kNeedLogits | kNeedEmbedding);
                  stream_outputs(*model, *data, labeled, p.run.inference_batch_size, lreq,
                                 [&](const PoolBatch& b) { policy->observe_labeled(b); });
                }
                stream_outputs(*model, *data, pool, p.run.inference_batch_size, req,
                               [&](const PoolBatch& b) { policy->observe(b); });
                rec.timings["score_s"] = now() - ts;
                const double tsel = now();
                sel = policy->select();
                rec.timings["select_s"] = now() - tsel;
              } catch (const std::exception& e) {
                throw std::runtime_error(who + " failed: " + e.what());
              }
              check_selection(sel, ctx.budget, is_labeled, pool_total, who);
              const auto new_labels = reveal_labels(*data, sel.picked);
              labeled.insert(labeled.end(), sel.picked.begin(), sel.picked.end());
              labels.insert(labels.end(), new_labels.begin(), new_labels.end());
              rec.has_selection = true;
              rec.selected = std::move(sel.picked);
              rec.score_ids = std::move(sel.score_ids);
              rec.scores = std::move(sel.scores);
              progress.line(where + ": " + policy_name + " picked " + std::to_string(rec.selected.size()) +
                            " of " + std::to_string(pool.size()) + " (" + fmt("%.1f", now() - ts) + " s)");
            }
            writer.write_cycle(rec);
            if (c == g.cycles) {
              last_models.push_back(model);
              auto& gs = summary.generations[gi];
              gs.labeled = static_cast<std::int64_t>(rec.labeled.size());
              (arm == "chain" ? gs.chain_accuracy : gs.random_accuracy).push_back(rec.accuracy);
            }
          }
        }
      }
    }
  } catch (const std::exception& e) {
    writer.set_status(std::string("failed: ") + e.what());
    throw;
  }
  writer.set_status("complete");
  summary.seconds = now() - t_start;
  return summary;
}

void print_summary(std::ostream& os, const RunSummary& s, bool has_baseline) {
  auto stat = [](const std::vector<double>& v) {
    if (v.empty()) return std::string("-");
    const double m = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    if (v.size() == 1) return fmt("%.4f", m);
    double var = 0;
    for (double x : v) var += (x - m) * (x - m);
    return fmt("%.4f", m) + fmt(" ± %.4f", std::sqrt(var / (v.size() - 1)));
  };
  os << "\n" << std::left << std::setw(12) << "generation" << std::setw(12) << "model" << std::setw(18) << "policy"
     << std::setw(9) << "labeled" << std::setw(20) << "accuracy (chain)";
  if (has_baseline) os << std::setw(20) << "accuracy (random)" << "chain - random";
  os << "\n";
  for (const auto& g : s.generations) {
    os << std::setw(12) << g.name << std::setw(12) << g.model << std::setw(18) << g.policy << std::setw(9)
       << g.labeled << std::setw(20) << stat(g.chain_accuracy);
    if (has_baseline) {
      os << std::setw(20) << stat(g.random_accuracy);
      if (!g.chain_accuracy.empty() && g.chain_accuracy.size() == g.random_accuracy.size()) {
        double d = 0;
        for (std::size_t i = 0; i < g.chain_accuracy.size(); ++i) d += g.chain_accuracy[i] - g.random_accuracy[i];
        os << fmt("%+.2f p.p.", 100.0 * d / g.chain_accuracy.size());
      }
    }
    os << "\n";
  }
  os << "\nresults: " << s.output.string() << "  (" << fmt("%.0f", s.seconds) << " s, " << s.threads
     << " threads)\n";
}

}  // namespace alchain
