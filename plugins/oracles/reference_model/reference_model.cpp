// Reference-model pseudo-oracle: the reference's probability of, and agreement with, the prediction.
#include "reference_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include <ATen/ATen.h>

#include "alchain/sdk/oracle_support.hpp"
#include "common/oracle_loop.hpp"

namespace alchain::plugins {

namespace {

constexpr std::string_view kName = "reference_model";

using oracle_support::check_logits;
using oracle_support::fail;
using oracle_support::require_needed;
using oracle_support::row_stats;
using oracle_support::RowStats;
using oracle_support::sample_name;
using oracle_support::shape_of;

}  // namespace

ReferenceModelOracle::ReferenceModelOracle(const Params&, const CreateContext&) {}

OracleVerdicts ReferenceModelOracle::assess(const OracleBatch& batch) {
  check_logits(kName, batch);
  const at::Tensor& l = batch.logits;
  const std::int64_t b = l.size(0), k = l.size(1);
  const at::Tensor& ref = batch.reference_logits;
  require_needed(kName, ref, "reference_logits",
                 "a reference model (kOracleNeedReference, ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL)");
  if (ref.dim() != 2 || ref.size(0) != b || ref.size(1) != k || !ref.is_floating_point())
    fail(kName, "reference_logits must be floating-point [" + std::to_string(b) + ", " + std::to_string(k) +
                    "] like the logits, got " + shape_of(ref));
  return oracle_loop::judge_each_sample(kName, batch, ref, [&](std::int64_t i, std::int64_t pred, const double* rz) {
    const double* row = rz + i * k;
    const RowStats r = row_stats(kName, row, k, "reference logits of " + sample_name(batch.ids, i));
    return oracle_loop::Verdict{std::clamp(std::exp(row[pred] - r.max - r.log_sum), 0.0, 1.0), r.argmax == pred};
  });
}

}  // namespace alchain::plugins
