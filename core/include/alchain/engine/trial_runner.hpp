/// Runs one trial of a plan in this process: trains, evaluates, and lets policies pick.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alchain/plan/plan.hpp"
#include "alchain/results/trial_record.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain {

class Communicator;
class Dataset;
class Model;
class PluginRegistry;
class Progress;
struct DatasetInfo;

/// What a trial needs from trials it depends on.
struct TrialInputs {
  std::vector<std::int64_t> labeling_order;  ///< train trials on a cell's picks: the select trial's final labeled set
};

/// Holds the dataset and the plugin context for the trials of one plan. A trial's numbers depend
/// only on the trial, the plan and the thread count, not on what ran before in the process.
/// With a communicator of several ranks, every rank runs the same trials in the same order: each
/// trains alike and scores its part of each pool (docs/cluster.md, "Ranks"); the records are equal.
class TrialRunner {
 public:
  TrialRunner(const Pipeline& pipeline, const Plan& plan, const PluginRegistry& registry, const Progress& progress,
              std::shared_ptr<Dataset> data, Communicator* comm = nullptr);
  ~TrialRunner();
  TrialRecord run(const Trial& trial, const TrialInputs& inputs);
  Dataset& dataset() { return *data_; }

 private:
  struct Round;
  Round train_round(const Trial& trial, const ModelEntry& m, const std::vector<std::int64_t>& ids,
                    const std::shared_ptr<class TrainingHead>& head);
  void run_select(const Trial& trial, TrialRecord& rec);
  void run_train(const Trial& trial, const TrialInputs& inputs, TrialRecord& rec);

  const Pipeline& pipeline_;
  const Plan& plan_;
  const PluginRegistry& registry_;
  const Progress& progress_;
  std::shared_ptr<Dataset> data_;
  Communicator* comm_ = nullptr;
  std::int64_t num_classes_ = 0;
  CreateContext mctx_;
};

/// The context models and policies of `pipeline` are created with: the dataset's classes and input
/// shape, and a make_policy that resolves `[policies.<name>]` entries first, then plugin names
/// with their defaults (wrapped policies such as power's base).
CreateContext plugin_context(const Pipeline& pipeline, const PluginRegistry& registry, const DatasetInfo& info);

/// A fresh model of `m`: its plugin's, then the entry's `weights` loaded by name (if any). Throws
/// what create_model or load_weights throws.
std::shared_ptr<Model> make_model(const PluginRegistry& registry, const ModelEntry& m, const CreateContext& ctx);

/// The pipeline's dataset; paths are relative to the pipeline file.
std::shared_ptr<Dataset> open_dataset(const Pipeline& pipeline, const PluginRegistry& registry);

}  // namespace alchain
