// Agreement pseudo-oracle: the companions' votes (or mean probability) for the deployed prediction.
#include "agreement.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include <ATen/ATen.h>

#include "alchain/sdk/oracle_support.hpp"

namespace alchain::plugins {

namespace {

constexpr std::string_view kName = "agreement";

using oracle_support::check_logits;
using oracle_support::check_stacked_logits;
using oracle_support::row_stats;
using oracle_support::RowStats;
using oracle_support::sample_name;

}  // namespace

AgreementOracle::AgreementOracle(const Params& params, const CreateContext&)
    : soft_(params.get_bool("soft")), threshold_(params.get_float("threshold")) {}

OracleVerdicts AgreementOracle::assess(const OracleBatch& batch) {
  check_logits(kName, batch);
  const at::Tensor& l = batch.logits;
  const std::int64_t b = l.size(0), k = l.size(1);
  const at::Tensor& c = batch.companion_logits;
  check_stacked_logits(kName, c, "companion_logits", "M",
                       "companion models (kOracleNeedCompanions, ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS)", b, k);
  const std::int64_t m = c.size(0);
  const at::Tensor zt = l.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor ct = c.to(at::kCPU, at::kDouble).contiguous();
  const double* z = zt.data_ptr<double>();
  const double* cz = ct.data_ptr<double>();

  OracleVerdicts out;
  out.f.resize(static_cast<std::size_t>(b));
  out.correct.resize(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) {
    const std::int64_t pred = row_stats(kName, z + i * k, k, "logits of " + sample_name(batch.ids, i)).argmax;
    double sum = 0.0;
    for (std::int64_t j = 0; j < m; ++j) {
      const double* row = cz + (j * b + i) * k;
      const RowStats r =
          row_stats(kName, row, k, "companion " + std::to_string(j) + "'s logits of " + sample_name(batch.ids, i));
      sum += soft_ ? std::exp(row[pred] - r.max - r.log_sum) : (r.argmax == pred ? 1.0 : 0.0);
    }
    const double f = std::clamp(sum / static_cast<double>(m), 0.0, 1.0);
    out.f[static_cast<std::size_t>(i)] = f;
    out.correct[static_cast<std::size_t>(i)] = f >= threshold_ ? 1 : 0;
  }
  return out;
}

}  // namespace alchain::plugins
