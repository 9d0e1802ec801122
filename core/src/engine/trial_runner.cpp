// The trial runner: selection chains and deployment trainings, seeded from what each round is.
#include "alchain/engine/trial_runner.hpp"

#include <chrono>

#include <torch/torch.h>

#include "alchain/engine/labeled_set.hpp"
#include "alchain/engine/selection_round.hpp"
#include "alchain/engine/train_and_evaluate.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/run/device.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/task.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/run/weights.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/util/clock.hpp"
#include "alchain/util/format.hpp"

namespace alchain {

struct TrialRunner::Round {
  std::shared_ptr<Model> model;
  RoundRecord record;
};

std::shared_ptr<Model> make_model(const PluginRegistry& registry, const ModelEntry& m, const CreateContext& ctx) {
  auto model = registry.create_model(m.model.plugin, m.model.params, ctx);
  if (!m.weights.path.empty()) load_weights(*model, m.weights.path, m.weights.into);
  return model;
}

std::shared_ptr<Dataset> open_dataset(const Pipeline& p, const PluginRegistry& registry) {
  CreateContext dctx;
  dctx.base_dir = std::filesystem::path(p.path).parent_path().string();
  return registry.create_dataset(p.dataset.plugin, p.dataset.params, dctx);
}

namespace {

/// make_policy of a CreateContext: entries of the pipeline, then plugins with their defaults.
struct PolicyFactory {
  const Pipeline* pipeline;
  const PluginRegistry* registry;
  CreateContext context;  ///< without make_policy
  int depth;
  std::shared_ptr<Policy> operator()(const std::string& name) const {
    if (depth >= 8) throw std::runtime_error("policy '" + name + "': wrapped policies nest more than 8 deep (a cycle of bases?)");
    CreateContext c = context;
    c.make_policy = PolicyFactory{pipeline, registry, context, depth + 1};
    for (const PolicyEntry& e : pipeline->policy_entries)
      if (e.name == name) return registry->create_policy(e.policy.plugin, e.policy.params, c);
    return registry->create_policy(name, default_params(registry->get(PluginKind::policy, name)), c);
  }
};

}  // namespace

CreateContext plugin_context(const Pipeline& pipeline, const PluginRegistry& registry, const DatasetInfo& info) {
  CreateContext ctx;
  ctx.num_classes = static_cast<std::int64_t>(info.class_names.size());
  ctx.input_shape = info.input_shape;
  ctx.task = info.task;
  ctx.make_policy = PolicyFactory{&pipeline, &registry, ctx, 0};
  return ctx;
}

TrialRunner::TrialRunner(const Pipeline& pipeline, const Plan& plan, const PluginRegistry& registry,
                         const Progress& progress, std::shared_ptr<Dataset> data, Communicator* comm)
    : pipeline_(pipeline), plan_(plan), registry_(registry), progress_(progress), data_(std::move(data)), comm_(comm) {
  const DatasetInfo info = data_->info();
  num_classes_ = static_cast<std::int64_t>(info.class_names.size());
  mctx_ = plugin_context(pipeline_, registry_, info);
}

TrialRunner::~TrialRunner() = default;

TrialRunner::Round TrialRunner::train_round(const Trial& trial, const ModelEntry& m, const std::vector<std::int64_t>& ids,
                                            const std::shared_ptr<TrainingHead>& head) {
  Round round;
  RoundRecord& rec = round.record;
  const auto n = static_cast<std::int64_t>(ids.size());
  rec.model = m.name;
  rec.model_plugin = m.model.plugin;
  rec.model_params = describe(m.model.params);
  rec.training = describe(m.training);
  rec.init_seed = init_seed(plan_, trial.repeat, m.name, n);
  rec.data_seed = data_seed(plan_, trial.repeat, m.name, n);
  rec.labeled = ids;
  TrainingJob job{m, ids, rec.init_seed, rec.data_seed, head.get(), true};
  TrainedModel trained =
      train_and_evaluate({registry_, mctx_, *data_, num_classes_, pipeline_.run.inference_batch_size,
                          pipeline_.run.data_parallel_ranks > 1 ? comm_ : nullptr, comm_},
                         job, progress_);
  round.model = std::move(trained.model);
  rec.model_parameters = trained.parameters;
  rec.model_macs = trained.macs;
  const TrainResult& tr = trained.train;
  const EvalResult& ev = trained.eval;
  rec.accuracy = ev.accuracy;
  rec.per_class_accuracy = ev.per_class;
  rec.miou = ev.miou;
  rec.per_class_iou = ev.per_class_iou;
  rec.confusion = ev.confusion;
  rec.train_loss = tr.last_epoch_loss;
  rec.epochs = tr.epochs;
  rec.steps = tr.steps;
  rec.timings["train_s"] = tr.seconds;
  rec.timings["eval_s"] = ev.seconds;
  progress_.line("  " + trial.id +
                 format(": %s on %lld samples, %s %.4f (%.1f s)", m.name.c_str(), static_cast<long long>(n),
                        ev.metric.c_str(), ev.value, tr.seconds + ev.seconds));
  return round;
}

void TrialRunner::run_select(const Trial& trial, TrialRecord& rec) {
  LabeledSet labeled(plan_.pool_size);
  labeled.add(initial_set(plan_, trial.repeat));
  std::vector<std::shared_ptr<Model>> members;  // each finished stage's last model: the committee
  for (std::size_t si = 0; si < trial.stages.size(); ++si) {
    const Stage& stage = trial.stages[si];
    std::shared_ptr<Policy> policy;
    if (stage.cycles > 0)
      policy = registry_.create_policy(stage.policy.policy.plugin, stage.policy.policy.params, mctx_);
    const int rounds = stage.cycles + (stage.final_round ? 1 : 0);
    for (int c = 0; c < rounds; ++c) {
      const bool selects = c < stage.cycles;
      // A policy's training head (LLAL) trains only with models that then select, so a model
      // that only hands over or deploys is trained alike in every arm and cell.
      const std::shared_ptr<TrainingHead> head = selects ? policy->training_head() : nullptr;
      Round round = train_round(trial, stage.model, labeled.ids(), head);
      RoundRecord& r = round.record;
      r.stage = static_cast<int>(si);
      r.stage_name = stage.name;
      r.cycle = c;
      if (head) r.training_head = stage.policy.name;
      if (selects) {
        r.policy = stage.policy.name;
        // Keyed by (surrogate, policy) in a matrix, not by the column's display name, so adding a
        // policy to the experiment does not change another policy's picks.
        const std::string seed_key = plan_.kind == PlanKind::matrix ? stage.model.name + "/" + stage.policy.name : trial.column;
        r.policy_seed = policy_seed(plan_, trial.repeat, seed_key, static_cast<int>(si), c);
        SelectionRound sr;
        sr.budget = plan_.per_cycle;
        sr.seed = r.policy_seed;
        sr.generation = static_cast<int>(si);
        sr.cycle = c;
        sr.num_classes = num_classes_;
        sr.task = mctx_.task;
        sr.reduction = parse_reduction(stage.policy.reduction.method);
        sr.reduction_fraction = stage.policy.reduction.fraction;
        sr.who = "policy '" + stage.policy.name + "' (" + trial.id + ", cycle " + std::to_string(c) + ")";
        StreamRequest req;
        req.mc_passes = policy->mc_passes();
        req.seed = r.policy_seed;
        for (const auto& m : members) req.committee.push_back(m.get());
        req.labels_allowed = stage.policy.reference;
        Model& model = *round.model;
        const int batch = pipeline_.run.inference_batch_size;
        const BatchSource source = [&](const std::vector<std::int64_t>& ids, std::uint32_t needs, const Shard& shard,
                                       const std::function<void(const PoolBatch&)>& sink) {
          StreamRequest q = req;
          q.needs = needs;
          q.shard_rank = shard.rank;
          q.shard_size = shard.size;
          stream_outputs(model, *data_, ids, batch, q, sink);
        };
        sr.comm = comm_;
        sr.batch_size = batch;
        sr.batch_scores = registry_.get(PluginKind::policy, stage.policy.policy.plugin).has(ALCHAIN_FLAG_BATCH_SCORES);
        SelectionOutcome out = run_selection_round(*policy, labeled.ids(), labeled.unlabeled(), sr, source);
        r.timings["score_s"] = out.score_s;
        r.timings["select_s"] = out.select_s;
        labeled.add(out.selection.picked);
        r.has_selection = true;
        r.selected = std::move(out.selection.picked);
        r.score_ids = std::move(out.selection.score_ids);
        r.scores = std::move(out.selection.scores);
      }
      if (c == stage.cycles) {
        r.summary_row = stage.summary_row;
        members.push_back(round.model);
      }
      rec.rounds.push_back(std::move(r));
    }
  }
}

void TrialRunner::run_train(const Trial& trial, const TrialInputs& inputs, TrialRecord& rec) {
  const std::int64_t longest = trial.sizes.empty() ? 0 : trial.sizes.back();
  const std::vector<std::int64_t> order =
      trial.source.random() ? random_order(plan_, trial.repeat, longest) : inputs.labeling_order;
  if (static_cast<std::int64_t>(order.size()) < longest)
    throw std::runtime_error(trial.id + ": its source '" + to_string(trial.source) + "' labeled " + std::to_string(order.size()) +
                             " samples, the trial trains on " + std::to_string(longest));
  LabeledSet labeled(plan_.pool_size);
  labeled.add({order.begin(), order.begin() + longest});
  for (std::int64_t n : trial.sizes) {
    const LabeledSet set = labeled.prefix(static_cast<std::size_t>(n));
    Round round = train_round(trial, trial.model, set.ids(), nullptr);
    round.record.stage_name = trial.model.name;
    round.record.cycle = static_cast<int>((n - plan_.initial) / std::max<std::int64_t>(1, plan_.per_cycle));
    if (n == longest) round.record.summary_row = trial.summary_row;
    rec.rounds.push_back(std::move(round.record));
  }
}

TrialRecord TrialRunner::run(const Trial& trial, const TrialInputs& inputs) {
  const double t0 = monotonic_seconds();
  TrialRecord rec;
  rec.id = trial.id;
  rec.kind = to_string(trial.kind);
  rec.column = trial.column;
  rec.source = to_string(trial.source);
  rec.repeat = trial.repeat;
  rec.threads = at::get_num_threads();
  rec.device = run_device().str();
  if (trial.kind == TrialKind::select) run_select(trial, rec);
  else run_train(trial, inputs, rec);
  rec.seconds = monotonic_seconds() - t0;
  return rec;
}

}  // namespace alchain
