// The training loop, evaluation and batched inference over the pool.
#include "alchain/run/trainer.hpp"

#include <chrono>
#include <cmath>
#include <iostream>

#include <torch/torch.h>

#include "alchain/run/communicator.hpp"
#include "alchain/run/device.hpp"
#include "alchain/run/fault_point.hpp"
#include "alchain/run/interrupt.hpp"
#include "alchain/run/task.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/rng.hpp"
#include "alchain/util/clock.hpp"
#include "alchain/util/format.hpp"
#include "alchain/util/text.hpp"

namespace alchain {

namespace {
at::Tensor id_tensor(const std::int64_t* p, std::int64_t n) {
  return torch::from_blob(const_cast<std::int64_t*>(p), {n}, torch::kInt64).clone();
}
/// Random crop after zero padding and/or horizontal flip, per sample, from `rng`. x: [B, C, H, W],
/// rows `first` .. `first` + B of a batch of `total` (data-parallel: this rank's slice; the draws of
/// the whole batch are made, so each sample gets what it gets in one process). Per-pixel labels
/// y [B, H, W] (segmentation) move with their pixels; padding is unlabelled.
void augment(at::Tensor& x, at::Tensor& y, const TrainingOptions& o, Rng& rng, std::int64_t first, std::int64_t total) {
  const bool maps = y.dim() == 3;
  const std::int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  auto mine = [&](std::int64_t i) { return i >= first && i < first + b; };
  if (o.augment_crop_padding > 0) {
    const std::int64_t p = o.augment_crop_padding;
    const at::Tensor padded = torch::constant_pad_nd(x, {p, p, p, p}, 0.0);
    const at::Tensor padded_y = maps ? torch::constant_pad_nd(y, {p, p, p, p}, kIgnoreIndex) : y;
    std::vector<at::Tensor> crops, label_crops;
    crops.reserve(static_cast<std::size_t>(b));
    for (std::int64_t i = 0; i < total; ++i) {
      const auto dy = static_cast<std::int64_t>(rng.uniform(static_cast<std::uint64_t>(2 * p + 1)));
      const auto dx = static_cast<std::int64_t>(rng.uniform(static_cast<std::uint64_t>(2 * p + 1)));
      if (!mine(i)) continue;
      crops.push_back(padded[i - first].narrow(1, dy, h).narrow(2, dx, w));
      if (maps) label_crops.push_back(padded_y[i - first].narrow(0, dy, h).narrow(1, dx, w));
    }
    x = torch::stack(crops);
    if (maps) y = torch::stack(label_crops);
  }
  if (o.augment_hflip) {
    std::vector<std::int64_t> flip;
    for (std::int64_t i = 0; i < total; ++i)
      if (rng.uniform(2) == 1 && mine(i)) flip.push_back(i - first);
    if (!flip.empty()) {
      const at::Tensor idx = torch::tensor(flip, torch::kInt64);
      x = x.clone();
      x.index_copy_(0, idx, x.index_select(0, idx).flip({3}));
      if (maps) {
        y = y.clone();
        y.index_copy_(0, idx, y.index_select(0, idx).flip({2}));
      }
    }
  }
}

double lr_at(const TrainingOptions& o, double epoch_progress /* epochs done, fractional */) {
  if (o.schedule == "cosine") return 0.5 * o.lr * (1.0 + std::cos(M_PI * epoch_progress / o.epochs));
  if (o.schedule == "step") {
    const int step = o.step_epochs > 0 ? o.step_epochs : std::max(1, o.epochs / 3);
    return o.lr * std::pow(o.gamma, std::floor(epoch_progress / step));
  }
  return o.lr;
}
/// The options as trained: `min_steps` becomes as many whole epochs as it takes (the LR schedule
/// runs over all of them); `stepping` is the number of batches that step in one epoch.
TrainingOptions with_min_steps(const TrainingOptions& opt, std::int64_t stepping) {
  TrainingOptions o = opt;
  if (o.min_steps > 0 && stepping > 0 && o.epochs * stepping < o.min_steps)
    o.epochs = static_cast<int>((o.min_steps + stepping - 1) / stepping);
  return o;
}

/// The head's layers depend on the taps' shapes: read them off one small forward pass.
std::map<std::string, std::vector<std::int64_t>> tap_shapes(Model& model, Dataset& data,
                                                            const std::vector<std::int64_t>& ids,
                                                            const TrainingHead& head, const c10::Device& dev) {
  std::map<std::string, std::vector<std::int64_t>> shapes;
  torch::NoGradGuard no_grad;
  model.eval();
  const std::vector<std::int64_t> probe(ids.begin(), ids.begin() + std::min<std::size_t>(2, ids.size()));
  const ModelOutput out = model.forward(data.inputs(Split::train, id_tensor(probe.data(), probe.size())).to(dev));
  std::vector<std::string> wanted = head.taps();
  if (wanted.empty())
    for (const auto& [name, t] : out.taps) wanted.push_back(name);
  for (const auto& name : wanted) {
    auto it = out.taps.find(name);
    if (it == out.taps.end()) {
      std::vector<std::string> have;
      for (const auto& [n, t] : out.taps) have.push_back(n);
      throw std::runtime_error("the policy's training head wants tap '" + name + "'; the model has: " +
                               (have.empty() ? "none" : join(have)));
    }
    shapes[name] = std::vector<std::int64_t>(it->second.sizes().begin() + 1, it->second.sizes().end());
  }
  return shapes;
}

/// Resets the head for `epochs`, moves it to `dev` and adds its parameters to the groups.
void attach_head(TrainingHead& head, const std::map<std::string, std::vector<std::int64_t>>& shapes, int epochs,
                 const c10::Device& dev, std::vector<at::Tensor>& decay, std::vector<at::Tensor>& no_decay) {
  head.reset(shapes, epochs);
  // The SDK's head has no to(): its parameters move in place (they are its modules' tensors).
  for (auto& p : head.parameters())
    if (p.device() != dev) p.set_data(p.data().to(dev));
  head.train(true);
  for (auto& p : head.parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
}

/// One training run's fixed parts: what one batch step needs besides the batch.
struct StepContext {
  Model& model;
  Dataset& data;
  const TaskOps& task;
  const TrainingOptions& o;
  TrainingHead* head;
  torch::optim::SGD& sgd;
  c10::Device dev;
  std::uint64_t seed;
  Communicator* comm;  ///< data-parallel over its ranks, or null
};

bool data_parallel(const Communicator* comm) { return comm && comm->size() > 1; }

/// This rank's rows [first, first + count) of a global batch of `size`: the batch split evenly
/// over as many ranks as can get 2 samples each (batch norm needs 2), the others get none.
std::pair<std::int64_t, std::int64_t> slice_of(std::int64_t size, const Communicator* comm) {
  if (!data_parallel(comm)) return {0, size};
  const std::int64_t ranks = std::max<std::int64_t>(1, std::min<std::int64_t>(comm->size(), size / 2));
  const std::int64_t r = comm->rank();
  if (r >= ranks) return {size, 0};
  return {size * r / ranks, size * (r + 1) / ranks - size * r / ranks};
}

/// Every parameter of the optimizer's groups, in group order.
std::vector<at::Tensor> optimized(torch::optim::SGD& sgd) {
  std::vector<at::Tensor> all;
  for (auto& g : sgd.param_groups())
    for (auto& p : g.params()) all.push_back(p);
  return all;
}

/// Sums the gradients over the ranks in one flat buffer per dtype. A parameter without a gradient
/// on every rank keeps none (SGD then leaves it alone, as in one process); one with a gradient on
/// some rank gets zeros where it had none.
void allreduce_gradients(Communicator& comm, const std::vector<at::Tensor>& params) {
  at::Tensor defined = torch::zeros({static_cast<std::int64_t>(params.size())}, torch::kLong);
  for (std::size_t i = 0; i < params.size(); ++i) defined[static_cast<std::int64_t>(i)] = params[i].grad().defined() ? 1 : 0;
  comm.allreduce(defined, ReduceOp::max);
  std::map<c10::ScalarType, std::vector<at::Tensor>> by_type;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (defined[static_cast<std::int64_t>(i)].item<std::int64_t>() == 0) continue;
    at::Tensor p = params[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    by_type[p.scalar_type()].push_back(p);
  }
  for (auto& [type, ps] : by_type) {
    std::vector<at::Tensor> flat;
    for (auto& p : ps) flat.push_back(p.grad().reshape({-1}));
    at::Tensor buffer = torch::cat(flat).cpu();  // the communicator takes CPU tensors
    comm.allreduce(buffer, ReduceOp::sum);
    std::int64_t at_offset = 0;
    for (auto& p : ps) {
      p.grad().copy_(buffer.narrow(0, at_offset, p.numel()).view(p.sizes()));
      at_offset += p.numel();
    }
  }
}

/// Rank 0's values of `tensors` on every rank.
void broadcast_from_rank0(Communicator& comm, const std::vector<at::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (const at::Tensor& t : tensors) {
    at::Tensor copy = t.detach().cpu().contiguous().clone();
    comm.broadcast(copy, 0);
    t.detach().copy_(copy);
  }
}

/// Labelled samples of a batch's labels: samples, or labelled pixels (segmentation).
double labelled(const TaskOps& task, const at::Tensor& y) {
  return task.task() == Task::segmentation ? static_cast<double>(y.ne(kIgnoreIndex).sum().item<std::int64_t>())
                                           : static_cast<double>(y.size(0));
}

/// The loss of this rank's part [first, first + count) of `batch` (with the head's), and its
/// labelled samples (pixels); undefined for an empty part.
std::pair<at::Tensor, double> slice_loss(StepContext& c, const at::Tensor& batch, std::int64_t first, std::int64_t count,
                                         int epoch, std::int64_t b) {
  if (count == 0) return {at::Tensor(), 0.0};
  const at::Tensor part = batch.narrow(0, first, count);
  at::Tensor x = c.data.inputs(Split::train, part);
  at::Tensor y = c.data.labels(Split::train, part).to(torch::kInt64);
  if (c.o.augment_crop_padding > 0 || c.o.augment_hflip) {
    if (x.dim() != 4)
      throw std::runtime_error("training.augment_*: augmentation needs image inputs [N, C, H, W]; this dataset gives " +
                               std::to_string(x.dim()) + "-D inputs");
    Rng rng(derive_seed(c.seed, {static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(b), 0x617567ULL}));
    augment(x, y, c.o, rng, first, batch.size(0));
  }
  x = x.to(c.dev);
  y = y.to(c.dev);
  const ModelOutput out = c.model.forward(x);
  c.task.check(out.logits, y);
  if (!c.head) return {c.task.loss(out.logits, y), labelled(c.task, y)};
  auto [batch_loss, per_sample] = c.task.loss_and_per_sample(out.logits, y);
  return {batch_loss + c.head->loss(out, per_sample.detach(), epoch), labelled(c.task, y)};
}

/// One SGD step on `batch` (epoch `epoch`, batch `b` of `batches`); returns the batch's loss.
double train_step(StepContext& c, const at::Tensor& batch, int epoch, std::int64_t b, std::int64_t batches) {
  const double lr = lr_at(c.o, epoch + static_cast<double>(b) / batches);
  for (auto& g : c.sgd.param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  c.sgd.zero_grad();
  const auto [first, count] = slice_of(batch.size(0), c.comm);
  auto [loss, n] = slice_loss(c, batch, first, count, epoch, b);
  if (!data_parallel(c.comm)) {
    loss.backward();
    c.sgd.step();
    return loss.item<double>();
  }
  // The whole batch's mean loss is the sum over ranks of each slice's mean times its share.
  at::Tensor all = torch::full({1}, n, torch::kDouble);
  c.comm->allreduce(all, ReduceOp::sum);
  const double weight = all.item<double>() > 0 ? n / all.item<double>() : 0.0;
  at::Tensor total = torch::full({1}, 0.0, torch::kDouble);
  if (loss.defined() && n > 0) {
    (loss * weight).backward();
    total[0] = loss.item<double>() * weight;
  }
  allreduce_gradients(*c.comm, optimized(c.sgd));
  c.comm->allreduce(total, ReduceOp::sum);
  c.sgd.step();
  return total.item<double>();
}
}  // namespace

void Progress::line(const std::string& s) const {
  if (!quiet_) std::cerr << s << std::endl;
}

TrainResult train_model(Model& model, Dataset& data, const std::vector<std::int64_t>& ids,
                        const TrainingOptions& opt, std::uint64_t seed, const Progress& progress,
                        TrainingHead* head, Communicator* comm) {
  const double t0 = monotonic_seconds();
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  const std::int64_t batches = (n + opt.batch_size - 1) / opt.batch_size;
  // Batches that step: a last batch of one sample is skipped (batch norm cannot train on it).
  const TrainingOptions o = with_min_steps(opt, n / opt.batch_size + (n % opt.batch_size >= 2 ? 1 : 0));
  const c10::Device dev = run_device();
  model.to(dev);
  std::vector<at::Tensor> decay, no_decay;
  for (auto& p : model.parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  if (head && !ids.empty()) attach_head(*head, tap_shapes(model, data, ids, *head, dev), o.epochs, dev, decay, no_decay);
  model.train();
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::SGDOptions>(
        torch::optim::SGDOptions(opt.lr).momentum(opt.momentum).nesterov(opt.nesterov).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(opt.weight_decay));
  if (!no_decay.empty()) groups.emplace_back(no_decay, options(0.0));
  torch::optim::SGD sgd(groups, torch::optim::SGDOptions(opt.lr));
  StepContext step{model, data, task_ops(data.info().task), o, head, sgd, dev, seed, comm};
  if (data_parallel(comm)) {  // every rank starts from rank 0's weights (and buffers)
    std::vector<at::Tensor> state = optimized(sgd);
    for (const auto& b : model.buffers()) state.push_back(b);
    broadcast_from_rank0(*comm, state);
  }

  std::vector<std::int64_t> order(ids.size());
  TrainResult result;
  result.epochs = o.epochs;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
    Rng(derive_seed(seed, {static_cast<std::uint64_t>(epoch)})).shuffle(order);
    std::vector<std::int64_t> batch_ids;
    double loss_sum = 0;
    std::int64_t seen = 0;
    const double te = monotonic_seconds();
    for (std::int64_t b = 0; b < batches; ++b) {
      check_interrupt();  // Ctrl-C is prompt: the trial is dropped, nothing of it was written
      const std::int64_t lo = b * opt.batch_size, hi = std::min(n, lo + opt.batch_size);
      if (hi - lo < 2) continue;  // batch norm cannot train on a single sample
      batch_ids.clear();
      for (std::int64_t i = lo; i < hi; ++i) batch_ids.push_back(ids[order[i]]);
      loss_sum += train_step(step, id_tensor(batch_ids.data(), hi - lo), epoch, b, batches) * static_cast<double>(hi - lo);
      ++result.steps;
      seen += hi - lo;
    }
    result.last_epoch_loss = seen ? loss_sum / static_cast<double>(seen) : 0.0;
    if (!progress.quiet())
      progress.line(format("      epoch %d/%d  loss %.4f  %.0f img/s", epoch + 1, o.epochs, result.last_epoch_loss,
                           seen / std::max(1e-9, monotonic_seconds() - te)));
    fault_point("epoch");
  }
  if (head) head->train(false);
  if (data_parallel(comm)) broadcast_from_rank0(*comm, model.buffers());  // batch norm's running statistics
  result.seconds = monotonic_seconds() - t0;
  return result;
}

EvalResult evaluate_model(Model& model, Dataset& data, std::int64_t num_classes, int batch_size, Communicator* comm) {
  const double t0 = monotonic_seconds();
  const TaskOps& task = task_ops(data.info().task);
  model.eval();
  const c10::Device dev = run_device();
  model.to(dev);
  c10::InferenceMode guard;
  const std::int64_t n = data.size(Split::test);
  ConfusionMatrix confusion(num_classes);
  const int rank = comm ? comm->rank() : 0, ranks = comm ? comm->size() : 1;
  for (std::int64_t lo = 0; lo < n; lo += batch_size) {
    if ((lo / batch_size) % ranks != rank) continue;  // another rank's batch
    check_interrupt();
    const std::int64_t hi = std::min(n, lo + batch_size);
    const at::Tensor ids = torch::arange(lo, hi, torch::kInt64);
    const at::Tensor logits = model.forward(data.inputs(Split::test, ids).to(dev)).logits.cpu();
    const at::Tensor y = data.labels(Split::test, ids).to(torch::kInt64);
    task.check(logits, y);
    confusion.add(task.predict(logits), y);
  }
  if (ranks > 1) {
    at::Tensor counts = torch::tensor(confusion.counts(), torch::kLong);
    comm->allreduce(counts, ReduceOp::sum);
    confusion = ConfusionMatrix(num_classes);
    confusion.add_counts(counts.data_ptr<std::int64_t>());
  }
  EvalResult r;
  r.metric = task.metric();
  r.value = task.headline(confusion);
  r.accuracy = confusion.accuracy();
  r.per_class = confusion.recall();
  r.miou = confusion.mean_iou();
  r.per_class_iou = confusion.iou();
  r.confusion = confusion.counts();
  r.seconds = monotonic_seconds() - t0;
  return r;
}

void stream_outputs(Model& model, Dataset& data, const std::vector<std::int64_t>& ids, int batch_size,
                    const StreamRequest& req, const std::function<void(const PoolBatch&)>& sink) {
  const c10::Device dev = run_device();
  model.to(dev);
  model.eval();
  for (Model* member : req.committee) {
    member->to(dev);
    member->eval();
  }
  if ((req.needs & kNeedLabels) && !req.labels_allowed)
    throw std::runtime_error("the policy asks for true labels outside a reference generation");
  if ((req.needs & kNeedMcLogits) && (req.mc_passes < 1 || !model.stochastic_passes_available()))
    throw std::runtime_error("MC passes need mc_passes() >= 1 and a model with stochastic passes (dropout > 0)");
  c10::InferenceMode guard;
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  const bool forward = req.needs & (kNeedLogits | kNeedEmbedding | kNeedMcLogits | kNeedCommittee | kNeedTaps);
  if (req.shard_size < 1 || req.shard_rank < 0 || req.shard_rank >= req.shard_size)
    throw std::invalid_argument("stream_outputs: shard " + std::to_string(req.shard_rank) + " of " + std::to_string(req.shard_size));
  for (std::int64_t lo = 0; lo < n; lo += batch_size) {
    if ((lo / batch_size) % req.shard_size != req.shard_rank) continue;  // another rank's batch
    check_interrupt();
    const std::int64_t hi = std::min(n, lo + batch_size);
    PoolBatch batch;
    batch.ids = id_tensor(ids.data() + lo, hi - lo);
    if (forward) {
      const at::Tensor x = data.inputs(Split::train, batch.ids).to(dev);
      ModelOutput out = model.forward(x);
      // Policies get CPU tensors (a no-op on the CPU).
      if (req.needs & kNeedLogits) batch.logits = out.logits.cpu();
      if (req.needs & kNeedEmbedding) batch.embedding = out.embedding.cpu();
      if (req.needs & kNeedTaps)
        for (const auto& [name, t] : out.taps) batch.taps[name] = t.cpu();
      if (req.needs & kNeedCommittee) {
        std::vector<at::Tensor> all;
        for (Model* member : req.committee) all.push_back(member->forward(x).logits);
        all.push_back(out.logits);
        batch.committee_logits = torch::stack(all).cpu();
      }
      if (req.needs & kNeedMcLogits) {
        torch::manual_seed(derive_seed(req.seed, {static_cast<std::uint64_t>(lo)}));
        model.set_stochastic(true);
        std::vector<at::Tensor> passes;
        for (int t = 0; t < req.mc_passes; ++t) passes.push_back(model.forward(x).logits);
        model.set_stochastic(false);
        batch.mc_logits = torch::stack(passes).cpu();
      }
    }
    if (req.needs & kNeedLabels) batch.labels = data.labels(Split::train, batch.ids);
    sink(batch);
  }
}

}  // namespace alchain
