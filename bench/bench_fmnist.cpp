// The reference benchmark's stages in alchain: load, train 1 epoch, score the 60k pool, test, top-k.
// Prints one JSON object on stdout (same keys as bench/ref_pytorch.py), progress on stderr.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <numeric>
#include <string>

#include <torch/torch.h>

#include "alchain/engine/selection_round.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/rng.hpp"
#include "alchain/sdk/uncertainty.hpp"
#include "alchain/util/clock.hpp"

using namespace alchain;

namespace alchain::bench {
extern const char* const kPluginDir;  ///< the build's plugins (bench_paths.cpp)
}

namespace {
struct Args {
  std::string model = "resnet20";
  int threads = 2, subset = 6000, batch_train = 128, batch_score = 512, warmup = 2, labeled = 600, budget = 1000;
  std::uint64_t seed = 0;
};
Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(std::string(argv[i]) + " needs a value");
      return argv[++i];
    };
    const std::string k = argv[i];
    if (k == "--model") a.model = next();
    else if (k == "--threads") a.threads = std::stoi(next());
    else if (k == "--subset") a.subset = std::stoi(next());
    else if (k == "--batch-train") a.batch_train = std::stoi(next());
    else if (k == "--batch-score") a.batch_score = std::stoi(next());
    else if (k == "--warmup") a.warmup = std::stoi(next());
    else if (k == "--labeled") a.labeled = std::stoi(next());
    else if (k == "--budget") a.budget = std::stoi(next());
    else if (k == "--seed") a.seed = std::stoull(next());
    else if (k == "--help" || k == "-h") {
      std::cout << "alchain_bench [--model resnet20|lenet5|mlp] [--threads 2] [--subset 6000] [--batch-train 128]\n"
                   "              [--batch-score 512] [--warmup 2] [--seed 0]\n"
                   "              [--labeled 600] [--budget 1000]\n"
                   "The stages of bench/ref_pytorch.py, through alchain's plugins and trainer.\n";
      std::exit(0);
    } else throw std::runtime_error("unknown option " + k);
  }
  return a;
}
Params defaults(const PluginRegistry& r, PluginKind kind, const std::string& name) {
  return default_params(r.get(kind, name));
}
}  // namespace

int main(int argc, char** argv) try {
  tune_process(argv);
  const Args a = parse(argc, argv);
  const int threads = set_compute_threads(a.threads);
  PluginRegistry reg;
  reg.scan(plugin_search_path({bench::kPluginDir}));

  double t = monotonic_seconds();
  auto data = reg.create_dataset("fashion_mnist", defaults(reg, PluginKind::dataset, "fashion_mnist"), CreateContext{});
  const double load_s = monotonic_seconds() - t;
  const std::int64_t n_pool = data->size(Split::train);
  CreateContext mctx;
  mctx.num_classes = 10;
  mctx.input_shape = data->info().input_shape;
  const Params mparams = defaults(reg, PluginKind::model, a.model);

  std::vector<std::int64_t> perm(static_cast<std::size_t>(n_pool));
  std::iota(perm.begin(), perm.end(), std::int64_t{0});
  Rng(a.seed).shuffle_prefix(perm, static_cast<std::size_t>(a.subset));
  const std::vector<std::int64_t> subset(perm.begin(), perm.begin() + a.subset);

  TrainingOptions opt;
  opt.epochs = 1;
  opt.batch_size = a.batch_train;
  opt.lr = 0.05;
  opt.momentum = 0.9;
  opt.weight_decay = 5e-4;
  opt.schedule = "constant";
  const Progress quiet(true);
  if (a.warmup > 0) {  // on a throw-away model, as the reference does
    auto warm = reg.create_model(a.model, mparams, mctx);
    const std::size_t k = std::min<std::size_t>(subset.size(), static_cast<std::size_t>(a.warmup * a.batch_train));
    train_model(*warm, *data, {subset.begin(), subset.begin() + k}, opt, 1, quiet);
  }
  torch::manual_seed(a.seed);
  auto model = reg.create_model(a.model, mparams, mctx);
  const TrainResult tr = train_model(*model, *data, subset, opt, a.seed, quiet);
  std::cerr << "train " << tr.seconds << " s  " << a.subset / tr.seconds << " img/s  loss " << tr.last_epoch_loss << "\n";

  // The same epoch with LLAL's loss-prediction head attached to every tap: its training overhead.
  double llal_s = 0;
  {
    auto llal = reg.create_policy("llal", defaults(reg, PluginKind::policy, "llal"), mctx);
    torch::manual_seed(a.seed);
    auto m2 = reg.create_model(a.model, mparams, mctx);
    llal_s = train_model(*m2, *data, subset, opt, a.seed, quiet, llal->training_head().get()).seconds;
    std::cerr << "train with llal head " << llal_s << " s  " << a.subset / llal_s << " img/s\n";
  }

  std::vector<std::int64_t> pool(static_cast<std::size_t>(n_pool));
  std::iota(pool.begin(), pool.end(), std::int64_t{0});
  at::Tensor entropy = torch::empty({n_pool});
  at::Tensor features = torch::empty({n_pool, model->embedding_dim()});
  auto sink = [&](const PoolBatch& b) {
    const std::int64_t lo = b.ids[0].item<std::int64_t>(), n = b.ids.size(0);
    entropy.narrow(0, lo, n).copy_(uncertainty::entropy(b.logits));
    features.narrow(0, lo, n).copy_(b.embedding);
  };
  if (a.warmup > 0)
    stream_outputs(*model, *data, {pool.begin(), pool.begin() + a.warmup * a.batch_score}, a.batch_score,
                   StreamRequest{kNeedLogits | kNeedEmbedding}, sink);
  t = monotonic_seconds();
  stream_outputs(*model, *data, pool, a.batch_score, StreamRequest{kNeedLogits | kNeedEmbedding}, sink);
  const double score_s = monotonic_seconds() - t;
  std::cerr << "score " << score_s << " s  " << n_pool / score_s << " img/s\n";

  const EvalResult ev = evaluate_model(*model, *data, 10, a.batch_score);
  t = monotonic_seconds();
  const at::Tensor topk = std::get<1>(entropy.topk(1000));
  const double topk_s = monotonic_seconds() - t;

  // Core-set through the real plugin: the first `labeled` images of the subset are the centers,
  // the rest of the 60k pool is streamed in scoring-sized batches, as the runner does.
  std::vector<std::int64_t> labeled_ids(subset.begin(), subset.begin() + a.labeled);
  std::vector<char> is_labeled(static_cast<std::size_t>(n_pool), 0);
  for (auto id : labeled_ids) is_labeled[id] = 1;
  std::vector<std::int64_t> unlabeled;
  for (std::int64_t i = 0; i < n_pool; ++i)
    if (!is_labeled[i]) unlabeled.push_back(i);
  const at::Tensor lab_t = torch::tensor(labeled_ids, torch::kInt64), unl_t = torch::tensor(unlabeled, torch::kInt64);
  const at::Tensor lab_f = features.index_select(0, lab_t), unl_f = features.index_select(0, unl_t);
  auto coreset = reg.create_policy("coreset", defaults(reg, PluginKind::policy, "coreset"), mctx);
  // The run's selection round, fed from the features scored above instead of the model, so the
  // stage times the policy alone, as the reference does.
  std::vector<std::int64_t> row_of(static_cast<std::size_t>(n_pool), -1);
  for (std::size_t i = 0; i < labeled_ids.size(); ++i) row_of[labeled_ids[i]] = static_cast<std::int64_t>(i);
  for (std::size_t i = 0; i < unlabeled.size(); ++i) row_of[unlabeled[i]] = static_cast<std::int64_t>(i);
  const BatchSource from_features = [&](const std::vector<std::int64_t>& ids, std::uint32_t, const Shard&,
                                        const std::function<void(const PoolBatch&)>& sink) {
    const bool lab = !ids.empty() && is_labeled[ids.front()];
    const at::Tensor& f = lab ? lab_f : unl_f;
    const at::Tensor& all_ids = lab ? lab_t : unl_t;
    const std::int64_t n = static_cast<std::int64_t>(ids.size());
    for (std::int64_t lo = 0; lo < n; lo += a.batch_score) {
      const std::int64_t hi = std::min(n, lo + a.batch_score);
      PoolBatch b;
      b.ids = all_ids.slice(0, row_of[ids[lo]], row_of[ids[lo]] + (hi - lo));
      b.embedding = f.slice(0, row_of[ids[lo]], row_of[ids[lo]] + (hi - lo));
      sink(b);
    }
  };
  SelectionRound round;
  round.budget = a.budget;
  round.num_classes = 10;
  round.who = "policy 'coreset'";
  t = monotonic_seconds();
  const Selection picks = run_selection_round(*coreset, labeled_ids, unlabeled, round, from_features).selection;
  const double coreset_s = monotonic_seconds() - t;
  std::cerr << "coreset " << coreset_s << " s (" << picks.picked.size() << " picks)\n";

  const double macs = static_cast<double>(model->macs(mctx.input_shape));
  std::printf(
      "{\"impl\": \"alchain\", \"model\": \"%s\", \"threads\": %d, \"tuning\": \"%s\", \"load_s\": %.4f, "
      "\"train_s\": %.4f, \"train_img_per_s\": %.1f, \"train_loss\": %.4f, \"score_s\": %.4f, "
      "\"score_img_per_s\": %.1f, \"score_gflops\": %.2f, \"test_acc\": %.4f, \"topk_s\": %.5f, "
      "\"coreset_s\": %.4f, \"train_llal_img_per_s\": %.1f, \"llal_overhead\": %.3f, "
      "\"macs_per_img\": %.0f}\n",
      a.model.c_str(), threads, tuning_summary().c_str(), load_s, tr.seconds, a.subset / tr.seconds,
      tr.last_epoch_loss, score_s, n_pool / score_s, 2 * macs * n_pool / score_s / 1e9, ev.accuracy, topk_s, coreset_s, a.subset / llal_s, llal_s / tr.seconds - 1.0, macs);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "alchain_bench: " << e.what() << "\n";
  return 1;
}
