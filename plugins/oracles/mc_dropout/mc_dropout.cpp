// MC-dropout pseudo-oracle: mean softmax probability of the deterministic prediction over passes.
#include "mc_dropout.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include <ATen/ATen.h>

#include "alchain/sdk/oracle_support.hpp"

namespace alchain::plugins {

namespace {

constexpr std::string_view kName = "mc_dropout";

using oracle_support::check_logits;
using oracle_support::check_stacked_logits;
using oracle_support::fail;
using oracle_support::row_stats;
using oracle_support::RowStats;
using oracle_support::sample_name;

}  // namespace

McDropoutOracle::McDropoutOracle(const Params& params, const CreateContext&)
    : passes_(static_cast<int>(params.get_int("passes"))), threshold_(params.get_float("threshold")) {
  if (passes_ < 1) fail(kName, "passes must be at least 1");
}

OracleVerdicts McDropoutOracle::assess(const OracleBatch& batch) {
  check_logits(kName, batch);
  const at::Tensor& l = batch.logits;
  const std::int64_t b = l.size(0), k = l.size(1);
  const at::Tensor& mc = batch.mc_logits;
  check_stacked_logits(
      kName, mc, "mc_logits", "T",
      "stochastic passes with dropout active (kOracleNeedMcLogits, ALCHAIN_FLAG_NEEDS_MC_DROPOUT)", b, k);
  const std::int64_t t = mc.size(0);
  const at::Tensor zt = l.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor mt = mc.to(at::kCPU, at::kDouble).contiguous();
  const double* z = zt.data_ptr<double>();
  const double* mz = mt.data_ptr<double>();

  OracleVerdicts out;
  out.f.resize(static_cast<std::size_t>(b));
  out.correct.resize(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) {
    const std::int64_t pred = row_stats(kName, z + i * k, k, "logits of " + sample_name(batch.ids, i)).argmax;
    double sum = 0.0;
    for (std::int64_t p = 0; p < t; ++p) {
      const double* row = mz + (p * b + i) * k;
      const RowStats r =
          row_stats(kName, row, k, "pass " + std::to_string(p) + "'s logits of " + sample_name(batch.ids, i));
      sum += std::exp(row[pred] - r.max - r.log_sum);
    }
    const double f = std::clamp(sum / static_cast<double>(t), 0.0, 1.0);
    out.f[static_cast<std::size_t>(i)] = f;
    out.correct[static_cast<std::size_t>(i)] = f >= threshold_ ? 1 : 0;
  }
  return out;
}

}  // namespace alchain::plugins
