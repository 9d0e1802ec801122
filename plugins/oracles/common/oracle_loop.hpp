// The loop the agreement, mc_dropout and reference_model oracles share: per sample, the deployed prediction judged by other logits.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ATen/ATen.h>

#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/oracle_support.hpp"

namespace alchain::plugins::oracle_loop {

/// What an oracle says of one sample: f in [0, 1] and the binary verdict.
struct Verdict {
  double f;
  bool correct;
};

/// One verdict per sample of `batch`, whose logits the caller has checked (check_logits) as it has
/// `other`, the logits the oracle judges by. For sample i, with c = the argmax of its logits
/// (checked by row_stats, errors naming `oracle`) and `o` = `other` as contiguous CPU doubles,
/// `judge(i, c, o)` gives its Verdict.
template <class Judge>
OracleVerdicts judge_each_sample(std::string_view oracle, const OracleBatch& batch, const at::Tensor& other, Judge judge) {
  const at::Tensor& l = batch.logits;
  const std::int64_t b = l.size(0), k = l.size(1);
  const at::Tensor zt = l.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor ot = other.to(at::kCPU, at::kDouble).contiguous();
  const double* z = zt.data_ptr<double>();
  const double* o = ot.data_ptr<double>();

  OracleVerdicts out;
  out.f.resize(static_cast<std::size_t>(b));
  out.correct.resize(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) {
    const std::int64_t pred =
        oracle_support::row_stats(oracle, z + i * k, k, "logits of " + oracle_support::sample_name(batch.ids, i)).argmax;
    const Verdict v = judge(i, pred, o);
    out.f[static_cast<std::size_t>(i)] = v.f;
    out.correct[static_cast<std::size_t>(i)] = v.correct ? 1 : 0;
  }
  return out;
}

/// judge_each_sample() for oracles that average over logits stacked as [m, b, k] (m companion
/// models, or m stochastic passes, over the batch's b samples; checked by the caller): for sample
/// i, f = the mean over j of `term(row, r, c)`, row = the j-th set's k logits of sample i, r = its
/// row_stats (errors naming "<set> j's logits of <sample>"), c = the deployed prediction; f is
/// clamped to [0, 1] and judged correct when f >= `threshold`.
template <class Term>
OracleVerdicts mean_over_stack(std::string_view oracle, const OracleBatch& batch, const at::Tensor& stacked,
                               const std::string& set, double threshold, Term term) {
  const std::int64_t m = stacked.size(0), b = batch.logits.size(0), k = batch.logits.size(1);
  return judge_each_sample(oracle, batch, stacked, [&](std::int64_t i, std::int64_t pred, const double* o) {
    double sum = 0.0;
    for (std::int64_t j = 0; j < m; ++j) {
      const double* row = o + (j * b + i) * k;
      const oracle_support::RowStats r = oracle_support::row_stats(
          oracle, row, k, set + " " + std::to_string(j) + "'s logits of " + oracle_support::sample_name(batch.ids, i));
      sum += term(row, r, pred);
    }
    const double f = std::clamp(sum / static_cast<double>(m), 0.0, 1.0);
    return Verdict{f, f >= threshold};
  });
}

}  // namespace alchain::plugins::oracle_loop
