/// Checks and per-row softmax arithmetic shared by pseudo-oracles, with errors that name the oracle.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <ATen/core/Tensor.h>

#include "alchain/sdk/oracle.hpp"

namespace alchain::oracle_support {

/// "Float [4, 3]": a tensor's type and shape, for error messages. Requires a defined tensor.
inline std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  s << t.scalar_type() << " " << t.sizes();
  return s.str();
}

/// Throws std::runtime_error("<oracle> oracle: <message>"); `oracle` is the plugin's name, so the
/// host can pass the message on as it is.
[[noreturn]] inline void fail(std::string_view oracle, const std::string& message) {
  throw std::runtime_error(std::string(oracle) + " oracle: " + message);
}

/// How an error names row `i` of a batch: "sample <ID>" when `ids` is defined (then it must hold
/// row `i`), otherwise "row <i>".
inline std::string sample_name(const at::Tensor& ids, std::int64_t i) {
  return ids.defined() ? "sample " + std::to_string(ids[i].item<std::int64_t>()) : "row " + std::to_string(i);
}

/// Index of the largest of `k` logits (the lowest on ties) and the log of the softmax denominator.
struct RowStats {
  std::int64_t argmax;
  double max, log_sum;  ///< log sum_j exp(z_j) = max + log_sum
};

/// RowStats of the `k` logits at `z`; throws when softmax is undefined (a NaN or +inf logit, or
/// all -inf), naming the row by `what` ("logits of sample 7"). Requires k >= 1.
inline RowStats row_stats(std::string_view oracle, const double* z, std::int64_t k, const std::string& what) {
  RowStats r{0, -std::numeric_limits<double>::infinity(), 0.0};
  for (std::int64_t j = 0; j < k; ++j) {
    if (std::isnan(z[j]) || z[j] == std::numeric_limits<double>::infinity())
      fail(oracle, what + " have a logit that is NaN or +inf");
    if (z[j] > r.max) r.max = z[j], r.argmax = j;
  }
  if (!std::isfinite(r.max)) fail(oracle, what + " are all -inf");
  double s = 0.0;
  for (std::int64_t j = 0; j < k; ++j) s += std::exp(z[j] - r.max);
  r.log_sum = std::log(s);
  return r;
}

/// Throws unless `ids`, which is optional, is undefined or [b] like the logits' rows.
inline void check_ids(std::string_view oracle, const at::Tensor& ids, std::int64_t b) {
  if (ids.defined() && (ids.dim() != 1 || ids.size(0) != b))
    fail(oracle, "ids must be int64 [" + std::to_string(b) + "] like the logits, got " + shape_of(ids));
}

/// Throws unless `batch.logits`, which is required, is floating-point [B, K] with K >= 1, and
/// `batch.ids` is undefined or [B]. B and K are then `batch.logits.size(0)` and `size(1)`.
inline void check_logits(std::string_view oracle, const OracleBatch& batch) {
  const at::Tensor& l = batch.logits;
  if (!l.defined()) fail(oracle, "logits (the deployed model's, float32 [B, K]) are missing");
  if (l.dim() != 2 || l.size(1) < 1 || !l.is_floating_point())
    fail(oracle, "logits must be floating-point [B, K] with K >= 1, got " + shape_of(l));
  check_ids(oracle, batch.ids, l.size(0));
}

/// Throws unless the needed OracleBatch field `t`, called `field` ("reference_logits"), is
/// defined. `why` says what the oracle needs and which need bit and flag ask for it: "a reference
/// model (kOracleNeedReference, ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL)".
inline void require_needed(std::string_view oracle, const at::Tensor& t, std::string_view field,
                           std::string_view why) {
  if (!t.defined()) fail(oracle, std::string(field) + " are missing: this oracle needs " + std::string(why));
}

/// Throws unless the needed stacked logits `t` (`field`: "mc_logits", "companion_logits") are
/// defined (see require_needed for `why`) and floating-point [N, b, k] with N >= 1, where `count`
/// is how errors call N ("T", "M") and b, k are the deployed logits' sizes.
inline void check_stacked_logits(std::string_view oracle, const at::Tensor& t, std::string_view field,
                                 std::string_view count, std::string_view why, std::int64_t b, std::int64_t k) {
  require_needed(oracle, t, field, why);
  if (t.dim() != 3 || t.size(0) < 1 || t.size(1) != b || t.size(2) != k || !t.is_floating_point())
    fail(oracle, std::string(field) + " must be floating-point [" + std::string(count) + ", " + std::to_string(b) +
                     ", " + std::to_string(k) + "] with " + std::string(count) + " >= 1 (B and K as the logits), got " +
                     shape_of(t));
}

}  // namespace alchain::oracle_support
