// Estimators of a window's accuracy from a logged sample: SRS (Wilson, Clopper-Pearson),
// stratified, PPI++/difference, Horvitz-Thompson and Des Raj, each with its standard error and
// interval (formulas and their validity in docs/assessment.md).
#include "alchain/assess/estimators.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "alchain/stats/paired.hpp"
#include "alchain/util/format.hpp"
#include "alchain/util/text.hpp"

namespace alchain::assess {
namespace {

std::string num(double v) { return format("%.17g", v); }

void check_level(double level, const char* who) {
  if (!(level > 0.0 && level < 1.0))
    throw std::invalid_argument(std::string(who) + ": level = " + num(level) + ", allowed: 0 < level < 1");
}

double normal_quantile(double p) { return stats::student_t_quantile(p, INFINITY); }

// The inverse of x -> I_x(a, b) by bisection; I_x is increasing in x.
double beta_quantile(double p, double a, double b) {
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 200 && hi - lo > 1e-14; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (stats::incomplete_beta(a, b, mid) < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

// What every estimator checks, and the counts every estimator reports.
struct Checked {
  std::int64_t N = 0, n = 0, correct = 0;
};

Checked check_input(Estimator e, const Sample& s, const std::vector<double>& f, const std::vector<int>& y,
                    double level) {
  check_level(level, "estimate_accuracy");
  if (!compatible(e, s.design))
    throw std::invalid_argument(std::string("estimate_accuracy: estimator '") + to_string(e) + "' cannot use a '" +
                                to_string(s.design) + "' sample (compatible designs: " + compatible_designs(e) + ")");
  Checked c;
  c.N = static_cast<std::int64_t>(f.size());
  if (s.population != c.N)
    throw std::invalid_argument("estimate_accuracy: the sample was drawn from a window of " +
                                std::to_string(s.population) + " units but f has " + std::to_string(c.N));
  if (y.size() != s.index.size())
    throw std::invalid_argument("estimate_accuracy: " + std::to_string(s.index.size()) + " sampled units but " +
                                std::to_string(y.size()) + " labels");
  // A sequential design knows each draw's conditional probability (draw_prob), not the units'
  // inclusion probabilities: it logs none, and no estimator may read any.
  const bool has_pi = s.design != Design::sequential;
  if (s.inclusion.size() != (has_pi ? s.index.size() : 0))
    throw std::invalid_argument("estimate_accuracy: " + std::to_string(s.index.size()) + " sampled units but " +
                                std::to_string(s.inclusion.size()) + " inclusion probabilities" +
                                (has_pi ? "" : " (a sequential sample logs none: draw_prob holds each draw's)"));
  std::vector<char> seen(f.size(), 0);
  for (std::size_t k = 0; k < s.index.size(); ++k) {
    const std::int64_t i = s.index[k];
    if (i < 0 || i >= c.N)
      throw std::invalid_argument("estimate_accuracy: sampled position " + std::to_string(i) + " is outside 0.." +
                                  std::to_string(c.N - 1));
    if (seen[static_cast<std::size_t>(i)])
      throw std::invalid_argument("estimate_accuracy: position " + std::to_string(i) +
                                  " was drawn twice; a sample's positions must be distinct");
    seen[static_cast<std::size_t>(i)] = 1;
    if (y[k] != 0 && y[k] != 1)
      throw std::invalid_argument("estimate_accuracy: y[" + std::to_string(k) + "] = " + std::to_string(y[k]) +
                                  ", allowed: 0 (wrong) or 1 (correct)");
    if (has_pi && !(s.inclusion[k] > 0.0 && s.inclusion[k] <= 1.0))
      throw std::invalid_argument("estimate_accuracy: inclusion probability " + num(s.inclusion[k]) +
                                  " of position " + std::to_string(i) + ", allowed: 0 < pi <= 1");
    c.correct += y[k];
  }
  for (std::size_t i = 0; i < f.size(); ++i)
    if (!(f[i] >= 0.0 && f[i] <= 1.0))
      throw std::invalid_argument("estimate_accuracy: f[" + std::to_string(i) + "] = " + num(f[i]) +
                                  ", allowed: finite values in [0, 1]");
  c.n = static_cast<std::int64_t>(s.index.size());
  return c;
}

Estimate start(Estimator e, const Checked& c) {
  Estimate est;
  est.estimator = e;
  est.labels = c.n;
  est.failures = c.n - c.correct;
  return est;
}

// The interval when the variance estimate is 0 but the window was not fully observed (e.g. every
// sampled prediction correct): Wilson at the clipped point with the labels as sample size and the
// finite-population correction; [0, 1] without labels.
Bounds fallback_interval(double point, std::int64_t labels, std::int64_t N, double level) {
  if (labels == 0) return {0.0, 1.0};
  const double p = std::clamp(point, 0.0, 1.0);
  const auto n = static_cast<double>(labels);
  return wilson_interval(p * n, n, level, labels < N ? N : 0);
}

// Fills se, lo, hi and n_eff from the point and the variance: exact when the window was observed,
// else the normal interval point +- z se clipped to [0, 1], replaced by fallback_interval when it is
// degenerate (se = 0, or it lies wholly outside [0, 1]).
void finish_normal(Estimate& est, double var, std::int64_t N, double level) {
  if (est.exact) {
    est.se = 0.0;
    est.lo = est.hi = est.point;
  } else {
    est.se = std::sqrt(std::max(var, 0.0));
    const double half = normal_quantile(0.5 * (1.0 + level)) * est.se;
    est.lo = std::clamp(est.point - half, 0.0, 1.0);
    est.hi = std::clamp(est.point + half, 0.0, 1.0);
    if (!(est.hi > est.lo)) {
      const Bounds b = fallback_interval(est.point, est.labels, N, level);
      est.lo = b.lo;
      est.hi = b.hi;
    }
  }
  const double p = std::clamp(est.point, 0.0, 1.0);
  est.n_eff = est.se > 0.0 ? p * (1.0 - p) / (est.se * est.se) : static_cast<double>(est.labels);
}

// SRS: k/n with the hypergeometric standard error; Wilson or Clopper-Pearson at the effective size
// for a small sampling fraction, else the exact hypergeometric interval.
Estimate srs_estimate(Estimator e, const Checked& c, double level) {
  Estimate est = start(e, c);
  const auto n = static_cast<double>(c.n);
  const auto N = static_cast<double>(c.N);
  est.point = static_cast<double>(c.correct) / n;
  if (c.n == c.N) {
    est.exact = true;
    est.lo = est.hi = est.point;
    est.n_eff = n;
    return est;
  }
  const double fpc = (N - n) / (N - 1.0);
  est.se = std::sqrt(est.point * (1.0 - est.point) / n * fpc);
  Bounds b;
  if (n > kExactIntervalFraction * N) {
    b = hypergeometric_interval(c.correct, c.n, c.N, level);
  } else if (e == Estimator::srs_wilson) {
    b = wilson_interval(static_cast<double>(c.correct), n, level, c.N);
  } else {
    const double ne = n / fpc;
    b = clopper_pearson_interval(est.point * ne, ne, level);
  }
  est.lo = b.lo;
  est.hi = b.hi;
  est.n_eff = est.se > 0.0 ? est.point * (1.0 - est.point) / (est.se * est.se) : n;
  return est;
}

Estimate stratified_estimate(const Checked& c, const Sample& s, const std::vector<int>& y, double level) {
  Estimate est = start(Estimator::stratified, c);
  const std::size_t H = s.stratum_size.size();
  if (s.stratum.size() != s.index.size())
    throw std::invalid_argument("estimate_accuracy: stratified sample with " + std::to_string(s.index.size()) +
                                " units but " + std::to_string(s.stratum.size()) + " stratum entries");
  std::int64_t total = 0;
  for (auto Nh : s.stratum_size) total += Nh;
  if (H == 0 || total != c.N)
    throw std::invalid_argument("estimate_accuracy: the strata sizes sum to " + std::to_string(total) +
                                ", not to the window's " + std::to_string(c.N) + " units");
  std::vector<std::int64_t> nh(H, 0), kh(H, 0);
  for (std::size_t k = 0; k < s.index.size(); ++k) {
    const int h = s.stratum[k];
    if (h < 0 || static_cast<std::size_t>(h) >= H)
      throw std::invalid_argument("estimate_accuracy: stratum " + std::to_string(h) + " outside 0.." +
                                  std::to_string(H - 1));
    ++nh[static_cast<std::size_t>(h)];
    kh[static_cast<std::size_t>(h)] += y[k];
  }
  double point = 0.0, var = 0.0;
  bool census = true;
  for (std::size_t h = 0; h < H; ++h) {
    if (!s.stratum_sample.empty() && s.stratum_sample[h] != nh[h])
      throw std::invalid_argument("estimate_accuracy: stratum " + std::to_string(h) + " logs n_h = " +
                                  std::to_string(s.stratum_sample[h]) + " but the sample has " +
                                  std::to_string(nh[h]) + " of its units");
    if (nh[h] == 0 || nh[h] > s.stratum_size[h])
      throw std::invalid_argument("estimate_accuracy: stratum " + std::to_string(h) + " has " +
                                  std::to_string(nh[h]) + " sampled units of N_h = " +
                                  std::to_string(s.stratum_size[h]) + "; every stratum needs 1..N_h");
    const auto n_h = static_cast<double>(nh[h]);
    const auto N_h = static_cast<double>(s.stratum_size[h]);
    const double W = N_h / static_cast<double>(c.N);
    const double p = static_cast<double>(kh[h]) / n_h;
    point += W * p;
    if (nh[h] < s.stratum_size[h]) census = false;
    // 0/1 data: s_h^2 = n_h p (1 - p) / (n_h - 1); a single unit gives no variance estimate (0).
    if (nh[h] >= 2) var += W * W * (1.0 - n_h / N_h) * (p * (1.0 - p) * n_h / (n_h - 1.0)) / n_h;
  }
  est.point = point;
  est.exact = census;
  finish_normal(est, var, c.N, level);
  return est;
}

// Cov_s(y, f) / Var_s(f) on the sample, clipped to [0, 1]; 0 when Var_s(f) = 0 or n < 2.
double ppi_lambda(const Sample& s, const std::vector<double>& f, const std::vector<int>& y) {
  const std::size_t n = s.index.size();
  if (n < 2) return 0.0;
  double mf = 0.0, my = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    mf += f[static_cast<std::size_t>(s.index[k])];
    my += y[k];
  }
  mf /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sff = 0.0, sfy = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double df = f[static_cast<std::size_t>(s.index[k])] - mf;
    sff += df * df;
    sfy += df * (y[k] - my);
  }
  if (!(sff > 0.0)) return 0.0;
  return std::clamp(sfy / sff, 0.0, 1.0);
}

Estimate ppi_estimate(const Checked& c, const Sample& s, const std::vector<double>& f, const std::vector<int>& y,
                      double lambda, double level) {
  Estimate est = start(Estimator::ppi, c);
  est.lambda = lambda;
  double F = 0.0;
  for (double v : f) F += v;
  F /= static_cast<double>(c.N);
  const std::size_t n = s.index.size();
  std::vector<double> r(n);
  double mr = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    r[k] = y[k] - lambda * f[static_cast<std::size_t>(s.index[k])];
    mr += r[k];
  }
  mr /= static_cast<double>(n);
  est.point = lambda * F + mr;
  double var = 0.0;
  if (c.n == c.N) {
    est.exact = true;
    est.point = static_cast<double>(c.correct) / static_cast<double>(c.N);  // the same number, without rounding
  } else if (n >= 2) {
    double ss = 0.0;
    for (double v : r) ss += (v - mr) * (v - mr);
    const double nn = static_cast<double>(n);
    var = (1.0 - nn / static_cast<double>(c.N)) * (ss / (nn - 1.0)) / nn;
  }
  finish_normal(est, var, c.N, level);
  return est;
}

// Horvitz-Thompson for the failure total: accuracy = 1 - (1/N) sum_s (1 - y_i) / pi_i.
Estimate horvitz_thompson_estimate(const Checked& c, const Sample& s, const std::vector<int>& y, double level) {
  Estimate est = start(Estimator::horvitz_thompson, c);
  const auto N = static_cast<double>(c.N);
  double fail = 0.0, var = 0.0;
  bool census = c.n == c.N;
  for (std::size_t k = 0; k < s.index.size(); ++k) {
    const double pi = s.inclusion[k];
    if (pi < 1.0) census = false;
    if (y[k] == 0) {
      fail += 1.0 / pi;
      var += (1.0 - pi) / (pi * pi);
    }
  }
  est.point = 1.0 - fail / N;
  est.exact = census;  // every unit drawn with certainty: the estimate is the truth
  finish_normal(est, var / (N * N), c.N, level);
  return est;
}

// Des Raj for the failure total: z_k = sum_{j<k} e_j + e_k / q_k with e = 1 - y, E[z_k | past] = T.
Estimate hansen_hurwitz_estimate(const Checked& c, const Sample& s, const std::vector<int>& y, double level) {
  Estimate est = start(Estimator::hansen_hurwitz, c);
  if (s.draw_prob.size() != s.index.size())
    throw std::invalid_argument("estimate_accuracy: a sequential sample of " + std::to_string(s.index.size()) +
                                " draws logs " + std::to_string(s.draw_prob.size()) + " draw probabilities");
  const std::size_t n = s.index.size();
  const auto N = static_cast<double>(c.N);
  if (c.n == c.N) {  // every path of a census design ends here, so using the truth keeps it unbiased
    est.exact = true;
    est.point = static_cast<double>(c.correct) / N;
    finish_normal(est, 0.0, c.N, level);
    return est;
  }
  std::vector<double> z(n);
  double before = 0.0, mean = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double q = s.draw_prob[k];
    if (!(q > 0.0 && q <= 1.0))
      throw std::invalid_argument("estimate_accuracy: draw probability " + num(q) + " of draw " + std::to_string(k) +
                                  ", allowed: 0 < q <= 1");
    const double e = 1.0 - y[k];
    z[k] = before + e / q;
    before += e;
    mean += z[k];
  }
  mean /= static_cast<double>(n);
  est.point = 1.0 - mean / N;
  if (n < 2) {  // one draw has no variance estimate: say nothing beyond [0, 1]
    est.se = 0.0;
    est.lo = 0.0;
    est.hi = 1.0;
    est.n_eff = 1.0;
    return est;
  }
  double ss = 0.0;
  for (double v : z) ss += (v - mean) * (v - mean);
  const double nn = static_cast<double>(n);
  finish_normal(est, ss / (nn * (nn - 1.0)) / (N * N), c.N, level);
  return est;
}

}  // namespace

const char* to_string(Estimator e) {
  switch (e) {
    case Estimator::srs_wilson: return "srs_wilson";
    case Estimator::srs_clopper_pearson: return "srs_clopper_pearson";
    case Estimator::stratified: return "stratified";
    case Estimator::ppi: return "ppi";
    case Estimator::horvitz_thompson: return "horvitz_thompson";
    case Estimator::hansen_hurwitz: return "hansen_hurwitz";
  }
  return "?";
}

Estimator estimator_from_string(const std::string& s) {
  for (Estimator e : {Estimator::srs_wilson, Estimator::srs_clopper_pearson, Estimator::stratified, Estimator::ppi,
                      Estimator::horvitz_thompson, Estimator::hansen_hurwitz})
    if (s == to_string(e)) return e;
  throw std::invalid_argument("unknown estimator '" + s +
                              "' (available: hansen_hurwitz, horvitz_thompson, ppi, srs_clopper_pearson, "
                              "srs_wilson, stratified)");
}

bool compatible(Estimator e, Design d) {
  switch (e) {
    case Estimator::srs_wilson:
    case Estimator::srs_clopper_pearson:
    case Estimator::ppi: return d == Design::srs;
    case Estimator::stratified: return d == Design::stratified;
    case Estimator::horvitz_thompson: return d == Design::poisson;
    case Estimator::hansen_hurwitz: return d == Design::sequential;
  }
  return false;
}

std::string compatible_designs(Estimator e) {
  std::vector<std::string> out;
  for (Design d : {Design::srs, Design::stratified, Design::poisson, Design::sequential})
    if (compatible(e, d)) out.emplace_back(to_string(d));
  return join(out);
}

Estimate estimate_accuracy(Estimator e, const Sample& s, const std::vector<double>& f, const std::vector<int>& y,
                           double level) {
  const Checked c = check_input(e, s, f, y, level);
  switch (e) {
    case Estimator::srs_wilson:
    case Estimator::srs_clopper_pearson:
      if (c.n == 0) throw std::invalid_argument("estimate_accuracy: an SRS sample needs at least one unit");
      return srs_estimate(e, c, level);
    case Estimator::stratified: return stratified_estimate(c, s, y, level);
    case Estimator::ppi:
      if (c.n == 0) throw std::invalid_argument("estimate_accuracy: an SRS sample needs at least one unit");
      return ppi_estimate(c, s, f, y, ppi_lambda(s, f, y), level);
    case Estimator::horvitz_thompson: return horvitz_thompson_estimate(c, s, y, level);
    case Estimator::hansen_hurwitz:
      if (c.n == 0) throw std::invalid_argument("estimate_accuracy: a sequential sample needs at least one draw");
      return hansen_hurwitz_estimate(c, s, y, level);
  }
  throw std::invalid_argument("estimate_accuracy: unknown estimator");
}

Estimate estimate_ppi_fixed_lambda(const Sample& s, const std::vector<double>& f, const std::vector<int>& y,
                                   double lambda, double level) {
  if (!std::isfinite(lambda))
    throw std::invalid_argument("estimate_ppi_fixed_lambda: lambda = " + num(lambda) + ", allowed: a finite value");
  const Checked c = check_input(Estimator::ppi, s, f, y, level);
  if (c.n == 0) throw std::invalid_argument("estimate_ppi_fixed_lambda: an SRS sample needs at least one unit");
  return ppi_estimate(c, s, f, y, lambda, level);
}

double online_estimate(const std::vector<double>& f) {
  if (f.empty()) throw std::invalid_argument("online_estimate: the window is empty");
  double s = 0.0;
  for (double v : f) s += v;
  return s / static_cast<double>(f.size());
}

Bounds wilson_interval(double k, double n, double level, std::int64_t N) {
  check_level(level, "wilson_interval");
  if (!(n > 0.0) || !(k >= 0.0 && k <= n))
    throw std::invalid_argument("wilson_interval: k = " + num(k) + " of n = " + num(n) +
                                ", allowed: n > 0 and 0 <= k <= n");
  if (N < 0 || (N > 0 && static_cast<double>(N) < n))
    throw std::invalid_argument("wilson_interval: population N = " + std::to_string(N) + " with n = " + num(n) +
                                ", allowed: N = 0 (infinite) or N >= n");
  const double p = k / n;
  double ne = n;
  if (N > 0) {
    if (n >= static_cast<double>(N)) return {p, p};
    ne = n * (static_cast<double>(N) - 1.0) / (static_cast<double>(N) - n);
  }
  const double z = normal_quantile(0.5 * (1.0 + level));
  const double z2 = z * z;
  const double denom = 1.0 + z2 / ne;
  const double centre = (p + z2 / (2.0 * ne)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / ne + z2 / (4.0 * ne * ne));
  // At k = 0 (k = n) the bound is exactly 0 (1); rounding must not move it inside.
  return {k == 0.0 ? 0.0 : std::clamp(centre - half, 0.0, 1.0), k == n ? 1.0 : std::clamp(centre + half, 0.0, 1.0)};
}

Bounds clopper_pearson_interval(double k, double n, double level) {
  check_level(level, "clopper_pearson_interval");
  if (!(n > 0.0) || !(k >= 0.0 && k <= n))
    throw std::invalid_argument("clopper_pearson_interval: k = " + num(k) + " of n = " + num(n) +
                                ", allowed: n > 0 and 0 <= k <= n");
  const double alpha = 1.0 - level;
  const double lo = k > 0.0 ? beta_quantile(0.5 * alpha, k, n - k + 1.0) : 0.0;
  const double hi = k < n ? beta_quantile(1.0 - 0.5 * alpha, k + 1.0, n - k) : 1.0;
  return {lo, hi};
}

namespace {

/// P(X = x) for X hypergeometric: x successes in n draws without replacement from N holding K.
double hypergeometric_pmf(std::int64_t x, std::int64_t n, std::int64_t K, std::int64_t N) {
  if (x < 0 || x > n || x > K || n - x > N - K) return 0.0;
  auto log_choose = [](std::int64_t a, std::int64_t b) {
    return std::lgamma(a + 1.0) - std::lgamma(b + 1.0) - std::lgamma(a - b + 1.0);
  };
  return std::exp(log_choose(K, x) + log_choose(N - K, n - x) - log_choose(N, n));
}

/// P(X >= x) (upper) or P(X <= x) (lower), summed over the shorter side.
double hypergeometric_tail(std::int64_t x, std::int64_t n, std::int64_t K, std::int64_t N, bool upper) {
  double below = 0.0;  // P(X < x) or P(X > x)
  double at_and_beyond = 0.0;
  const std::int64_t lo = std::max<std::int64_t>(0, n - (N - K)), hi = std::min(n, K);
  if (upper) {
    for (std::int64_t j = x; j <= hi; ++j) at_and_beyond += hypergeometric_pmf(j, n, K, N);
    for (std::int64_t j = lo; j < x; ++j) below += hypergeometric_pmf(j, n, K, N);
  } else {
    for (std::int64_t j = lo; j <= std::min(x, hi); ++j) at_and_beyond += hypergeometric_pmf(j, n, K, N);
    for (std::int64_t j = x + 1; j <= hi; ++j) below += hypergeometric_pmf(j, n, K, N);
  }
  // Normalised by the total, so rounding in the pmf cannot push a tail past 1.
  const double total = below + at_and_beyond;
  return total > 0.0 ? at_and_beyond / total : 0.0;
}

}  // namespace

Bounds hypergeometric_interval(std::int64_t k, std::int64_t n, std::int64_t N, double level) {
  check_level(level, "hypergeometric_interval");
  if (!(n >= 1 && k >= 0 && k <= n && n <= N))
    throw std::invalid_argument("hypergeometric_interval: k = " + std::to_string(k) + " of n = " + std::to_string(n) +
                                " from N = " + std::to_string(N) + ", allowed: 0 <= k <= n <= N, n >= 1");
  const double half_alpha = 0.5 * (1.0 - level);
  // K ranges over [k, N - (n - k)]. P(X >= k | K) grows with K and P(X <= k | K) falls: the lower
  // bound is the least K whose upper tail exceeds alpha/2, the upper the greatest whose lower does.
  std::int64_t a = k, b = N - (n - k);
  if (k > 0) {
    std::int64_t lo = k, hi = N - (n - k);  // the least K in [lo, hi] with upper tail > alpha/2
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (hypergeometric_tail(k, n, mid, N, true) > half_alpha) hi = mid;
      else lo = mid + 1;
    }
    a = lo;
  }
  if (k < n) {
    std::int64_t lo = k, hi = N - (n - k);  // the greatest K in [lo, hi] with lower tail > alpha/2
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo + 1) / 2;
      if (hypergeometric_tail(k, n, mid, N, false) > half_alpha) lo = mid;
      else hi = mid - 1;
    }
    b = lo;
  }
  return {static_cast<double>(a) / static_cast<double>(N), static_cast<double>(b) / static_cast<double>(N)};
}

}  // namespace alchain::assess
