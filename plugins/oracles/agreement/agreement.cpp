// Agreement pseudo-oracle: the companions' votes (or mean probability) for the deployed prediction.
#include "agreement.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include <ATen/ATen.h>

#include "alchain/sdk/oracle_support.hpp"
#include "common/oracle_loop.hpp"

namespace alchain::plugins {

namespace {

constexpr std::string_view kName = "agreement";

using oracle_support::check_logits;
using oracle_support::check_stacked_logits;
using oracle_support::RowStats;

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
  return oracle_loop::mean_over_stack(kName, batch, c, "companion", threshold_,
                                      [&](const double* row, const RowStats& r, std::int64_t pred) {
                                        return soft_ ? std::exp(row[pred] - r.max - r.log_sum)
                                                     : (r.argmax == pred ? 1.0 : 0.0);
                                      });
}

}  // namespace alchain::plugins
