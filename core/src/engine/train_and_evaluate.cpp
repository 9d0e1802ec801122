// Train and evaluate one model, in the one order of seeding, creation and training that makes a
// model's numbers depend only on its seeds.
#include "alchain/engine/train_and_evaluate.hpp"

#include <torch/torch.h>

#include "alchain/engine/trial_runner.hpp"
#include "alchain/sdk/model.hpp"

namespace alchain {

TrainedModel train_and_evaluate(const TrainingSetup& setup, const TrainingJob& job, const Progress& progress) {
  TrainedModel t;
  torch::manual_seed(job.init_seed);
  t.model = make_model(setup.registry, job.model, setup.context);
  if (job.measure) {
    t.parameters = t.model->parameter_count();
    t.macs = t.model->macs(setup.context.input_shape);
  }
  t.train = train_model(*t.model, setup.data, job.ids, job.model.training, job.data_seed, progress, job.head,
                        setup.data_parallel);
  t.eval = evaluate_model(*t.model, setup.data, setup.num_classes, setup.inference_batch_size, setup.ranks);
  return t;
}

}  // namespace alchain
