// A dataset plugin for fleet-scale pool benchmarks (bench/ranks/million.sh): any number of
// samples, each made from its ID on demand (nothing is held in memory), 10 classes a small MLP
// can learn: sample i is the one-hot of its class over 16 features plus uniform noise.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/plugin.hpp"
#include "alchain/sdk/rng.hpp"

namespace {

constexpr std::int64_t kFeatures = 16, kClasses = 10;

class SyntheticPool : public alchain::Dataset {
 public:
  SyntheticPool(const alchain::Params& p, const alchain::CreateContext&)
      : train_(p.get_int("train_size")), test_(p.get_int("test_size")), noise_(p.get_float("noise")) {}
  alchain::DatasetInfo info() const override {
    alchain::DatasetInfo i;
    for (int c = 0; c < kClasses; ++c) i.class_names.push_back("class" + std::to_string(c));
    i.input_shape = {1, 4, 4};
    return i;
  }
  std::int64_t size(alchain::Split s) const override { return s == alchain::Split::train ? train_ : test_; }
  at::Tensor inputs(alchain::Split s, const at::Tensor& ids) override {
    const at::Tensor v = ids.contiguous();
    at::Tensor x = at::empty({v.size(0), 1, 4, 4}, at::kFloat);
    float* xp = x.data_ptr<float>();
    for (std::int64_t i = 0; i < v.size(0); ++i) {
      const std::uint64_t key = stream(s, v.data_ptr<std::int64_t>()[i]);
      for (std::int64_t f = 0; f < kFeatures; ++f) {
        const double u = static_cast<double>(alchain::mix_seed(key + 1 + static_cast<std::uint64_t>(f)) >> 11) * 0x1.0p-53;
        xp[i * kFeatures + f] = static_cast<float>((f == label(key) ? 1.0 : 0.0) + noise_ * (u - 0.5));
      }
    }
    return x;
  }
  at::Tensor labels(alchain::Split s, const at::Tensor& ids) override {
    const at::Tensor v = ids.contiguous();
    at::Tensor y = at::empty({v.size(0)}, at::kLong);
    for (std::int64_t i = 0; i < v.size(0); ++i) y.data_ptr<std::int64_t>()[i] = label(stream(s, v.data_ptr<std::int64_t>()[i]));
    return y;
  }

 private:
  static std::uint64_t stream(alchain::Split s, std::int64_t id) {
    return alchain::mix_seed((static_cast<std::uint64_t>(id) << 1) | static_cast<std::uint64_t>(s));
  }
  static std::int64_t label(std::uint64_t key) { return static_cast<std::int64_t>(key % kClasses); }
  std::int64_t train_, test_;
  double noise_;
};

const alchain_param_spec kParams[] = {
    {"train_size", ALCHAIN_PARAM_INT, "1000000", 1, 100000000, nullptr, "Samples in the pool."},
    {"test_size", ALCHAIN_PARAM_INT, "10000", 1, 100000000, nullptr, "Samples in the test split."},
    {"noise", ALCHAIN_PARAM_FLOAT, "3.0", 0, 100, nullptr, "Width of the uniform noise on every feature."},
};

}  // namespace

ALCHAIN_DATASET_PLUGIN(SyntheticPool, "synthetic_pool", "1.0.0",
                       "Benchmark pool: any number of samples made from their IDs on demand, 10 classes.", kParams)
