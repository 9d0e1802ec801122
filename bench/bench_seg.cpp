// Segmentation benchmark: DeepLabv3+ (deeplabv3plus plugin) on a fixed input size, one epoch of
// training through train_model and pool scoring through stream_outputs (per-pixel softmax entropy,
// reduced to one score per image with the SDK's mean reduction, as the entropy policy does).
// Data are deterministic random tensors held in memory, so no decoding is timed. Runs beside
// bench/ref_seg.py (same work in plain PyTorch) from bench/run_seg.sh.
// Prints one JSON object on stdout (the keys ref_seg.py prints), progress on stderr.
#include <cstdio>
#include <iostream>
#include <numeric>
#include <string>

#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/reduction.hpp"
#include "alchain/sdk/uncertainty.hpp"
#include "alchain/util/clock.hpp"

using namespace alchain;

namespace alchain::bench {
extern const char* const kPluginDir;  ///< the build's plugins (bench_paths.cpp)
}

namespace {
constexpr std::int64_t kClasses = 19;  // Cityscapes' training classes
constexpr std::int64_t kMaxStored = 64;  // distinct images held; sample i is image i % stored

/// Default image counts per backbone (ref_seg.py has the same table): about 20-60 s per run at
/// 128x256 on 2 cores. MobileNetV3-Small is not much cheaper here: the decoder's two 3x3
/// convolutions of 256 channels at stride 4 are most of the work (2.6 of 3.3 GMACs at 128x256).
struct Counts {
  int train, score;
};
Counts default_counts(const std::string& backbone) {
  if (backbone == "mobilenet_v3_small") return {192, 512};
  return {128, 256};
}

struct Args {
  std::string backbone = "resnet18";
  int threads = 2, train_images = 0, batch_train = 8, score_images = 0, batch_score = 16, warmup = 1;
  std::int64_t height = 128, width = 256;
  std::uint64_t seed = 0;
};

void usage() {
  std::cout << "alchain_bench_seg [--backbone resnet18|mobilenet_v3_small] [--threads 2] [--size 128x256]\n"
               "                  [--train-images N] [--batch-train 8] [--score-images N] [--batch-score 16]\n"
               "                  [--warmup 1] [--seed 0]\n"
               "DeepLabv3+ at a fixed input size (3 channels, 19 classes): one epoch of SGD through train_model,\n"
               "then per-pixel entropy of the pool, mean per image, through stream_outputs. Random in-memory data.\n"
               "--warmup N: N untimed batches of each (training on a throw-away model).\n"
               "Image counts by default: resnet18 128 trained, 256 scored; mobilenet_v3_small 192, 512.\n";
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(std::string(argv[i]) + " needs a value");
      return argv[++i];
    };
    const std::string k = argv[i];
    if (k == "--backbone") a.backbone = next();
    else if (k == "--threads") a.threads = std::stoi(next());
    else if (k == "--size") {
      const std::string v = next();
      const auto x = v.find('x');
      if (x == std::string::npos) throw std::runtime_error("--size HxW, e.g. 128x256 (got " + v + ")");
      a.height = std::stoll(v.substr(0, x));
      a.width = std::stoll(v.substr(x + 1));
    } else if (k == "--train-images") a.train_images = std::stoi(next());
    else if (k == "--batch-train") a.batch_train = std::stoi(next());
    else if (k == "--score-images") a.score_images = std::stoi(next());
    else if (k == "--batch-score") a.batch_score = std::stoi(next());
    else if (k == "--warmup") a.warmup = std::stoi(next());
    else if (k == "--seed") a.seed = std::stoull(next());
    else if (k == "--help" || k == "-h") {
      usage();
      std::exit(0);
    } else throw std::runtime_error("unknown option " + k);
  }
  const Counts d = default_counts(a.backbone);
  if (a.train_images == 0) a.train_images = d.train;
  if (a.score_images == 0) a.score_images = d.score;
  if (a.height < 32 || a.width < 32) throw std::runtime_error("--size: at least 32x32");
  if (a.train_images < 2 || a.batch_train < 2 || a.score_images < 1 || a.batch_score < 1 || a.warmup < 0)
    throw std::runtime_error("--train-images and --batch-train >= 2, --score-images and --batch-score >= 1, --warmup >= 0");
  return a;
}

/// Random normalised images and random per-pixel labels (about 5% kIgnoreIndex), in memory.
/// Drawn like ref_seg.py draws them (randn, randint, rand from one generator seeded with `seed`),
/// so both benchmarks see the same numbers.
class RandomScenes final : public Dataset {
 public:
  RandomScenes(std::int64_t samples, std::int64_t h, std::int64_t w, std::uint64_t seed) : samples_(samples) {
    const std::int64_t stored = std::min(samples, kMaxStored);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    images_ = torch::randn({stored, 3, h, w}, gen);
    labels_ = torch::randint(0, kClasses, {stored, h, w}, gen, torch::kInt64);
    labels_.masked_fill_(torch::rand({stored, h, w}, gen).lt(0.05), kIgnoreIndex);
  }
  DatasetInfo info() const override {
    DatasetInfo i;
    i.task = Task::segmentation;
    for (std::int64_t k = 0; k < kClasses; ++k) i.class_names.push_back("class" + std::to_string(k));
    i.input_shape = {3, images_.size(2), images_.size(3)};
    return i;
  }
  std::int64_t size(Split) const override { return samples_; }
  at::Tensor inputs(Split, const at::Tensor& ids) override { return images_.index_select(0, ids.remainder(images_.size(0))); }
  at::Tensor labels(Split, const at::Tensor& ids) override { return labels_.index_select(0, ids.remainder(labels_.size(0))); }

 private:
  std::int64_t samples_;
  at::Tensor images_, labels_;
};
}  // namespace

int main(int argc, char** argv) try {
  tune_process(argv);
  const Args a = parse(argc, argv);
  const int threads = set_compute_threads(a.threads);
  PluginRegistry reg;
  reg.scan(plugin_search_path({bench::kPluginDir}));

  RandomScenes data(std::max(a.train_images, a.score_images), a.height, a.width, a.seed);
  CreateContext mctx;
  mctx.num_classes = kClasses;
  mctx.input_shape = data.info().input_shape;
  mctx.task = Task::segmentation;
  Params mparams = default_params(reg.get(PluginKind::model, "deeplabv3plus"));
  mparams.set("backbone", a.backbone);

  TrainingOptions opt;
  opt.epochs = 1;
  opt.batch_size = a.batch_train;
  opt.lr = 0.01;
  opt.momentum = 0.9;
  opt.weight_decay = 5e-4;
  opt.schedule = "constant";
  const Progress quiet(true);
  std::vector<std::int64_t> train_ids(static_cast<std::size_t>(a.train_images));
  std::iota(train_ids.begin(), train_ids.end(), std::int64_t{0});
  if (a.warmup > 0) {  // on a throw-away model, as the reference does
    auto warm = reg.create_model("deeplabv3plus", mparams, mctx);
    const std::size_t k = std::min<std::size_t>(train_ids.size(), static_cast<std::size_t>(a.warmup * a.batch_train));
    train_model(*warm, data, {train_ids.begin(), train_ids.begin() + static_cast<std::ptrdiff_t>(k)}, opt, 1, quiet);
  }
  torch::manual_seed(a.seed);
  auto model = reg.create_model("deeplabv3plus", mparams, mctx);
  const TrainResult tr = train_model(*model, data, train_ids, opt, a.seed, quiet);
  std::cerr << "train " << tr.seconds << " s  " << a.train_images / tr.seconds << " img/s  loss "
            << tr.last_epoch_loss << "\n";

  // Scoring as the entropy policy does it (LogitsScorePolicy<&uncertainty::entropy> in a
  // ScorePolicy): per-pixel entropy [B, H, W], reduced to [B] by reduce_pixel_scores (mean).
  std::vector<std::int64_t> pool(static_cast<std::size_t>(a.score_images));
  std::iota(pool.begin(), pool.end(), std::int64_t{0});
  at::Tensor scores = torch::empty({a.score_images});
  auto sink = [&](const PoolBatch& b) {
    const std::int64_t lo = b.ids[0].item<std::int64_t>(), n = b.ids.size(0);
    scores.narrow(0, lo, n).copy_(reduce_pixel_scores(uncertainty::entropy(b.logits), Reduction::mean));
  };
  if (a.warmup > 0) {
    const std::size_t k = std::min<std::size_t>(pool.size(), static_cast<std::size_t>(a.warmup * a.batch_score));
    stream_outputs(*model, data, {pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k)}, a.batch_score,
                   StreamRequest{kNeedLogits}, sink);
  }
  const double t = monotonic_seconds();
  stream_outputs(*model, data, pool, a.batch_score, StreamRequest{kNeedLogits}, sink);
  const double score_s = monotonic_seconds() - t;
  std::cerr << "score " << score_s << " s  " << a.score_images / score_s << " img/s\n";

  const double macs = static_cast<double>(model->macs(mctx.input_shape));
  const double score_per_s = a.score_images / score_s;
  std::printf(
      "{\"impl\": \"alchain\", \"backbone\": \"%s\", \"size\": \"%lldx%lld\", \"threads\": %d, \"tuning\": \"%s\", "
      "\"train_images\": %d, \"batch_train\": %d, \"train_s\": %.4f, \"train_img_per_s\": %.3f, \"train_loss\": %.4f, "
      "\"score_images\": %d, \"batch_score\": %d, \"score_s\": %.4f, \"score_img_per_s\": %.3f, "
      "\"score_gflops\": %.2f, \"score_mean\": %.5f, \"macs_per_img\": %.0f, \"params\": %lld}\n",
      a.backbone.c_str(), static_cast<long long>(a.height), static_cast<long long>(a.width), threads,
      tuning_summary().c_str(), a.train_images, a.batch_train, tr.seconds, a.train_images / tr.seconds,
      tr.last_epoch_loss, a.score_images, a.batch_score, score_s, score_per_s, 2 * macs * score_per_s / 1e9,
      scores.mean().item<double>(), macs, static_cast<long long>(model->parameter_count()));
  return 0;
} catch (const std::exception& e) {
  std::cerr << "alchain_bench_seg: " << e.what() << "\n";
  return 1;
}
