/// One model created from a seed, trained on a labelled set and evaluated on the test split: the
/// unit of work the trial runner and the assessment cycle both repeat.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain {

class Communicator;
class Dataset;
class Model;
class PluginRegistry;

/// Where models are trained: the plugins and the context they are created with, the dataset
/// (its train split feeds training, its test split the evaluation), and its class count.
struct TrainingSetup {
  const PluginRegistry& registry;
  const CreateContext& context;
  Dataset& data;
  std::int64_t num_classes;
  int inference_batch_size;
  Communicator* data_parallel = nullptr;  ///< trainings split over its ranks (train_model), or null
  Communicator* ranks = nullptr;          ///< evaluations split over its ranks (evaluate_model), or null
};

/// What to train: a model entry on a labelled set, with the two seeds that make it reproducible.
struct TrainingJob {
  const ModelEntry& model;
  const std::vector<std::int64_t>& ids;  ///< train-split ids of the labelled set
  std::uint64_t init_seed = 0;           ///< torch's generator, seeded right before the model is created
  std::uint64_t data_seed = 0;           ///< the trainer's shuffling and augmentation
  TrainingHead* head = nullptr;          ///< optional: a policy's head (LLAL) trained alongside
  bool measure = false;                  ///< count parameters and MACs (on context.input_shape) before training
};

struct TrainedModel {
  std::shared_ptr<Model> model;
  std::int64_t parameters = 0;  ///< with TrainingJob::measure
  std::int64_t macs = 0;        ///< with TrainingJob::measure
  TrainResult train;
  EvalResult eval;
};

/// Seeds torch with job.init_seed, creates the model (make_model: plugin, then weights), trains it
/// on job.ids with job.data_seed (epoch lines to `progress`), and evaluates it on the test split.
/// Prints nothing of its own: the caller says what the model was for.
TrainedModel train_and_evaluate(const TrainingSetup& setup, const TrainingJob& job, const Progress& progress);

}  // namespace alchain
