// Reference-model pseudo-oracle: the reference's probability of, and agreement with, the prediction.
#include "reference_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

namespace alchain::plugins {

namespace {

/// "Float [4, 3]": a tensor's type and shape, for error messages.
std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  s << t.scalar_type() << " " << t.sizes();
  return s.str();
}

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error("reference_model oracle: " + message); }

/// How an error names row `i` of a batch: by its sample ID when the host gave them.
std::string sample_name(const at::Tensor& ids, std::int64_t i) {
  return ids.defined() ? "sample " + std::to_string(ids[i].item<std::int64_t>()) : "row " + std::to_string(i);
}

/// Index of the largest of `k` logits (the lowest on ties) and the log of the softmax
/// denominator; throws when softmax is undefined (a NaN or +inf logit, or all -inf).
struct RowStats {
  std::int64_t argmax;
  double max, log_sum;  ///< log sum_j exp(z_j) = max + log_sum
};
RowStats row_stats(const double* z, std::int64_t k, const std::string& what) {
  RowStats r{0, -std::numeric_limits<double>::infinity(), 0.0};
  for (std::int64_t j = 0; j < k; ++j) {
    if (std::isnan(z[j]) || z[j] == std::numeric_limits<double>::infinity())
      fail(what + " have a logit that is NaN or +inf");
    if (z[j] > r.max) r.max = z[j], r.argmax = j;
  }
  if (!std::isfinite(r.max)) fail(what + " are all -inf");
  double s = 0.0;
  for (std::int64_t j = 0; j < k; ++j) s += std::exp(z[j] - r.max);
  r.log_sum = std::log(s);
  return r;
}

}  // namespace

ReferenceModelOracle::ReferenceModelOracle(const Params&, const CreateContext&) {}

OracleVerdicts ReferenceModelOracle::assess(const OracleBatch& batch) {
  const at::Tensor& l = batch.logits;
  if (!l.defined()) fail("logits (the deployed model's, float32 [B, K]) are missing");
  if (l.dim() != 2 || l.size(1) < 1 || !l.is_floating_point())
    fail("logits must be floating-point [B, K] with K >= 1, got " + shape_of(l));
  const std::int64_t b = l.size(0), k = l.size(1);
  if (batch.ids.defined() && (batch.ids.dim() != 1 || batch.ids.size(0) != b))
    fail("ids must be int64 [" + std::to_string(b) + "] like the logits, got " + shape_of(batch.ids));
  const at::Tensor& ref = batch.reference_logits;
  if (!ref.defined())
    fail("reference_logits are missing: this oracle needs a reference model (kOracleNeedReference, "
         "ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL)");
  if (ref.dim() != 2 || ref.size(0) != b || ref.size(1) != k || !ref.is_floating_point())
    fail("reference_logits must be floating-point [" + std::to_string(b) + ", " + std::to_string(k) +
         "] like the logits, got " + shape_of(ref));
  const at::Tensor zt = l.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor rt = ref.to(at::kCPU, at::kDouble).contiguous();
  const double* z = zt.data_ptr<double>();
  const double* rz = rt.data_ptr<double>();

  OracleVerdicts out;
  out.f.resize(static_cast<std::size_t>(b));
  out.correct.resize(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) {
    const std::int64_t pred = row_stats(z + i * k, k, "logits of " + sample_name(batch.ids, i)).argmax;
    const double* row = rz + i * k;
    const RowStats r = row_stats(row, k, "reference logits of " + sample_name(batch.ids, i));
    out.f[static_cast<std::size_t>(i)] = std::clamp(std::exp(row[pred] - r.max - r.log_sum), 0.0, 1.0);
    out.correct[static_cast<std::size_t>(i)] = r.argmax == pred ? 1 : 0;
  }
  return out;
}

}  // namespace alchain::plugins
