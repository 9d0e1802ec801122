// Confidence pseudo-oracle: max softmax probability at a fixed or fitted temperature.
#include "confidence.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include <ATen/ATen.h>

#include "alchain/sdk/oracle_support.hpp"

namespace alchain::plugins {

namespace {

constexpr std::string_view kName = "confidence";

using oracle_support::check_ids;
using oracle_support::fail;
using oracle_support::sample_name;
using oracle_support::shape_of;

/// `t` as contiguous CPU double [N, K] with K >= 1, or an error naming `what`.
at::Tensor as_rows(const at::Tensor& t, const std::string& what) {
  if (!t.defined()) fail(kName, what + " (float32 [N, K]) are missing");
  if (t.dim() != 2 || t.size(1) < 1 || !t.is_floating_point())
    fail(kName, what + " must be floating-point [N, K] with K >= 1, got " + shape_of(t));
  return t.to(at::kCPU, at::kDouble).contiguous();
}

/// The largest of `k` logits; throws when softmax is undefined (a NaN or +inf logit, or all -inf).
double row_max(const double* z, std::int64_t k, const at::Tensor& ids, std::int64_t i) {
  double m = -std::numeric_limits<double>::infinity();
  for (std::int64_t j = 0; j < k; ++j) {
    if (std::isnan(z[j]) || z[j] == std::numeric_limits<double>::infinity())
      fail(kName, "logits of " + sample_name(ids, i) + " have a logit that is NaN or +inf");
    m = std::max(m, z[j]);
  }
  if (!std::isfinite(m)) fail(kName, "logits of " + sample_name(ids, i) + " are all -inf");
  return m;
}

}  // namespace

ConfidenceOracle::ConfidenceOracle(const Params& params, const CreateContext&)
    : temperature_(params.get_float("temperature")),
      threshold_(params.get_float("threshold")),
      calibrate_(params.get_bool("calibrate")) {
  if (!(temperature_ > 0.0) || !std::isfinite(temperature_))
    fail(kName, "temperature must be positive and finite");
}

double temperature_nll(const double* logits, const std::int64_t* labels, std::int64_t n, std::int64_t k, double t) {
  double total = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double* z = logits + i * k;
    const double m = *std::max_element(z, z + k);
    double s = 0.0;
    for (std::int64_t j = 0; j < k; ++j) s += std::exp((z[j] - m) / t);
    total += std::log(s) + (m - z[labels[i]]) / t;
  }
  return n > 0 ? total / static_cast<double>(n) : 0.0;
}

double fit_temperature(const double* logits, const std::int64_t* labels, std::int64_t n, std::int64_t k, double lo,
                       double hi) {
  const auto nll = [&](double log_t) { return temperature_nll(logits, labels, n, k, std::exp(log_t)); };
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = std::log(lo), b = std::log(hi);
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = nll(c), fd = nll(d);
  while (b - a > 1e-10) {
    if (fc <= fd) {
      b = d, d = c, fd = fc;
      c = b - ratio * (b - a), fc = nll(c);
    } else {
      a = c, c = d, fc = fd;
      d = a + ratio * (b - a), fd = nll(d);
    }
  }
  return std::exp((a + b) / 2.0);
}

void ConfidenceOracle::calibrate(const at::Tensor& logits, const at::Tensor& labels) {
  if (!calibrate_) return;
  const at::Tensor z = as_rows(logits, "calibration logits");
  const std::int64_t n = z.size(0), k = z.size(1);
  if (!labels.defined()) fail(kName, "calibration labels (int64 [N]) are missing");
  if (labels.dim() != 1 || labels.size(0) != n || labels.is_floating_point())
    fail(kName, "calibration labels must be integer [" + std::to_string(n) + "] like the logits' rows, got " +
                    shape_of(labels));
  if (n == 0) fail(kName, "calibration needs at least one labelled sample");
  const at::Tensor y = labels.to(at::kCPU, at::kLong).contiguous();
  const double* zp = z.data_ptr<double>();
  const std::int64_t* yp = y.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    if (yp[i] < 0 || yp[i] >= k)
      fail(kName, "calibration label " + std::to_string(yp[i]) + " of row " + std::to_string(i) +
                      " is not a class in [0, " + std::to_string(k) + ")");
    for (std::int64_t j = 0; j < k; ++j)
      if (!std::isfinite(zp[i * k + j]))
        fail(kName, "calibration logits of row " + std::to_string(i) + " are not finite");
  }
  temperature_ = fit_temperature(zp, yp, n, k);
}

OracleVerdicts ConfidenceOracle::assess(const OracleBatch& batch) {
  const at::Tensor z = as_rows(batch.logits, "logits");
  const std::int64_t b = z.size(0), k = z.size(1);
  check_ids(kName, batch.ids, b);
  const double* zp = z.data_ptr<double>();
  OracleVerdicts out;
  out.f.resize(static_cast<std::size_t>(b));
  out.correct.resize(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) {
    const double* row = zp + i * k;
    const double m = row_max(row, k, batch.ids, i);
    // max_k softmax(z / T)_k = 1 / sum_k exp((z_k - max z) / T): the max term is exactly 1.
    double s = 0.0;
    for (std::int64_t j = 0; j < k; ++j) s += std::exp((row[j] - m) / temperature_);
    const double f = std::clamp(1.0 / s, 0.0, 1.0);
    out.f[static_cast<std::size_t>(i)] = f;
    out.correct[static_cast<std::size_t>(i)] = f >= threshold_ ? 1 : 0;
  }
  return out;
}

}  // namespace alchain::plugins
