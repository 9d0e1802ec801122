// MC-dropout pseudo-oracle: mean softmax probability of the deterministic prediction over passes.
#include "mc_dropout.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include <ATen/ATen.h>

#include "alchain/sdk/oracle_support.hpp"
#include "common/oracle_loop.hpp"

namespace alchain::plugins {

namespace {

constexpr std::string_view kName = "mc_dropout";

using oracle_support::check_logits;
using oracle_support::check_stacked_logits;
using oracle_support::fail;
using oracle_support::RowStats;

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
  return oracle_loop::mean_over_stack(kName, batch, mc, "pass", threshold_,
                                      [](const double* row, const RowStats& r, std::int64_t pred) {
                                        return std::exp(row[pred] - r.max - r.log_sum);
                                      });
}

}  // namespace alchain::plugins
