// Paired-comparison statistics (t, Wilcoxon signed-rank, binomial sign test, Holm) in plain C++17.
#include "alchain/stats/paired.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace alchain::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

// Continued fraction for I_x(a, b) (modified Lentz); converges fast for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300;
  constexpr double eps = 1e-16;
  const int max_iter = 10000 + static_cast<int>(20.0 * std::sqrt(std::max(a, b)));
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= max_iter; ++m) {
    const double m2 = 2.0 * m;
    // Even step of the fraction.
    double coef = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
    d = 1.0 + coef * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + coef / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    // Odd step.
    coef = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
    d = 1.0 + coef * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + coef / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < eps) break;
  }
  return h;
}

// I_x(a, b) with the complement xc = 1 - x passed separately, so callers that know it without
// cancellation (the t distribution does) keep full relative precision in both tails.
double incomplete_beta_split(double a, double b, double x, double xc) {
  if (x <= 0.0) return 0.0;
  if (xc <= 0.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(xc);
  const double front = std::exp(log_front);
  const double value = x < (a + 1.0) / (a + b + 2.0) ? front * beta_continued_fraction(a, b, x) / a
                                                     : 1.0 - front * beta_continued_fraction(b, a, xc) / b;
  // Rounding must not push a probability outside [0, 1] (holm_adjust rejects such values).
  return std::clamp(value, 0.0, 1.0);
}

// x = df / (df + t^2) and its complement, without overflow for huge |t|.
void t_beta_args(double t, double df, double& x, double& xc) {
  const double at = std::fabs(t);
  const double sdf = std::sqrt(df);
  if (at > sdf) {
    const double r = sdf / at;
    const double r2 = r * r;
    x = r2 / (1.0 + r2);
    xc = 1.0 / (1.0 + r2);
  } else {
    const double s = (at / sdf) * (at / sdf);
    x = 1.0 / (1.0 + s);
    xc = s / (1.0 + s);
  }
}

// P(T >= |t|): one upper tail.
double t_upper_tail_abs(double t, double df) {
  if (std::isinf(t)) return 0.0;
  if (std::isinf(df)) return 0.5 * std::erfc(std::fabs(t) / std::sqrt(2.0));
  double x = 0.0, xc = 0.0;
  t_beta_args(t, df, x, xc);
  return 0.5 * incomplete_beta_split(0.5 * df, 0.5, x, xc);
}

double t_pdf(double t, double df) {
  if (std::isinf(df)) return std::exp(-0.5 * t * t) / std::sqrt(2.0 * kPi);
  const double r = std::fabs(t) / std::sqrt(df);
  const double log1p_s = r > 1e150 ? 2.0 * std::log(r) : std::log1p(r * r);
  return std::exp(std::lgamma(0.5 * (df + 1.0)) - std::lgamma(0.5 * df) - 0.5 * std::log(df * kPi) -
                  0.5 * (df + 1.0) * log1p_s);
}

bool bad_df(double df) { return std::isnan(df) || df <= 0.0; }

bool any_nan(const std::vector<double>& x) {
  return std::any_of(x.begin(), x.end(), [](double v) { return std::isnan(v); });
}

double log_binomial_pmf(int i, int n, double p) {
  return std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) + i * std::log(p) +
         (n - i) * std::log1p(-p);
}

// Two-sided p of doubled W+ == w, exact over the 2^m sign assignments of the doubled ranks: prob[s]
// = P(doubled W+ == s) when each sign is + with probability 1/2 independently.
double exact_signed_rank_p(const std::vector<std::size_t>& doubled_rank, std::size_t w) {
  const std::size_t m = doubled_rank.size();
  const std::size_t total = m * (m + 1);
  std::vector<double> prob(total + 1, 0.0);
  prob[0] = 1.0;
  std::size_t reach = 0;
  for (std::size_t r : doubled_rank) {
    reach += r;
    for (std::size_t s = reach + 1; s-- > 0;) prob[s] = 0.5 * (prob[s] + (s >= r ? prob[s - r] : 0.0));
  }
  // Sum each tail from its far end so small terms are added first.
  double p_le = 0.0, p_ge = 0.0;
  for (std::size_t s = 0; s <= w; ++s) p_le += prob[s];
  for (std::size_t s = total + 1; s-- > w;) p_ge += prob[s];
  return std::min(1.0, 2.0 * std::min(p_le, p_ge));
}

}  // namespace

Describe describe(const std::vector<double>& x) {
  Describe d;
  d.n = x.size();
  if (x.empty()) return d;
  // Shifting by x[0] makes a constant sample give mean == x[0] and sd == 0 exactly.
  const double x0 = x[0];
  double shifted_sum = 0.0;
  for (double v : x) shifted_sum += v - x0;
  d.mean = x0 + shifted_sum / static_cast<double>(d.n);
  if (d.n < 2) return d;
  double ss = 0.0;
  for (double v : x) ss += (v - d.mean) * (v - d.mean);
  d.sd = std::sqrt(ss / static_cast<double>(d.n - 1));
  return d;
}

double incomplete_beta(double a, double b, double x) {
  if (std::isnan(a) || std::isnan(b) || std::isnan(x) || a <= 0.0 || b <= 0.0 || x < 0.0 || x > 1.0)
    return kNaN;
  return incomplete_beta_split(a, b, x, 1.0 - x);
}

double student_t_cdf(double t, double df) {
  if (std::isnan(t) || bad_df(df)) return kNaN;
  const double upper = t_upper_tail_abs(t, df);
  return t > 0.0 ? 1.0 - upper : upper;
}

double student_t_two_sided_tail(double t, double df) {
  if (std::isnan(t) || bad_df(df)) return kNaN;
  if (std::isinf(t)) return 0.0;
  if (std::isinf(df)) return std::erfc(std::fabs(t) / std::sqrt(2.0));
  double x = 0.0, xc = 0.0;
  t_beta_args(t, df, x, xc);
  return incomplete_beta_split(0.5 * df, 0.5, x, xc);
}

double student_t_quantile(double p, double df) {
  if (std::isnan(p) || p < 0.0 || p > 1.0 || bad_df(df)) return kNaN;
  if (p == 0.0) return -kInf;
  if (p == 1.0) return kInf;
  if (p == 0.5) return 0.0;
  // Solve P(T >= t) = q for t > 0 on the smaller tail; 1 - p is exact for p >= 0.5.
  const double q = p < 0.5 ? p : 1.0 - p;
  const double sign = p < 0.5 ? -1.0 : 1.0;
  double lo = 0.0, hi = 1.0;
  while (t_upper_tail_abs(hi, df) > q) {
    lo = hi;
    hi *= 2.0;
    if (std::isinf(hi)) return sign * kInf;
  }
  // Newton on log P(T >= t) - log q, which is near-linear in the far tail; bisection whenever a
  // step leaves the bracket.
  const double log_q = std::log(q);
  double t = 0.5 * (lo + hi);
  for (int iter = 0; iter < 500; ++iter) {
    const double upper = t_upper_tail_abs(t, df);
    if (upper > q) lo = t; else hi = t;
    const double g = std::log(upper) - log_q;
    const double slope = -t_pdf(t, df) / upper;
    double next = t - g / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const double step = std::fabs(next - t);
    t = next;
    if (step <= 1e-15 * t || hi - lo <= 1e-15 * hi) break;
  }
  return sign * t;
}

Interval t_interval(const std::vector<double>& x, double level) {
  if (!(level > 0.0 && level < 1.0))
    throw std::invalid_argument("t_interval: level must be in (0, 1), got " + std::to_string(level));
  const Describe d = describe(x);
  if (d.n < 2) return {};
  if (d.sd == 0.0) return {d.mean, d.mean};
  const double half = student_t_quantile(0.5 * (1.0 + level), static_cast<double>(d.n - 1)) * d.sd /
                      std::sqrt(static_cast<double>(d.n));
  return {d.mean - half, d.mean + half};
}

double paired_t_p(const std::vector<double>& diff) {
  const Describe d = describe(diff);
  if (d.n < 2 || std::isnan(d.mean) || std::isnan(d.sd)) return kNaN;
  if (d.sd == 0.0) return d.mean == 0.0 ? 1.0 : 0.0;
  const double t = d.mean / (d.sd / std::sqrt(static_cast<double>(d.n)));
  return student_t_two_sided_tail(t, static_cast<double>(d.n - 1));
}

SignedRank wilcoxon_signed_rank(const std::vector<double>& diff, double resolution) {
  if (!(resolution >= 0.0 && std::isfinite(resolution)))
    throw std::invalid_argument("wilcoxon_signed_rank: resolution must be finite and >= 0, got " +
                                std::to_string(resolution));
  SignedRank out;
  if (any_nan(diff)) return out;
  // A zero is |d| <= resolution: 0.3 - 0.1 - 0.2 (-2.8e-17) is one.
  std::vector<double> nonzero;
  for (double v : diff)
    if (!(std::fabs(v) <= resolution)) nonzero.push_back(v);
  const std::size_t m = nonzero.size();
  out.n = m;
  if (m == 0) return out;

  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    return std::fabs(nonzero[i]) < std::fabs(nonzero[j]);
  });
  // A tie group is a maximal run of sorted |d| in which each is within `resolution` of the one
  // before (equal infinities too), so k1/N - k2/N ties by |k1 - k2|, not by its rounding. Doubled
  // midranks are integers: a group at sorted positions i..j (0-based) shares (i + j + 2) / 2.
  std::vector<std::size_t> doubled_rank(m);
  std::size_t w = 0;
  for (std::size_t i = 0; i < m;) {
    std::size_t j = i;
    while (j + 1 < m) {
      const double prev = std::fabs(nonzero[order[j]]), next = std::fabs(nonzero[order[j + 1]]);
      if (!(next == prev || next - prev <= resolution)) break;
      ++j;
    }
    for (std::size_t k = i; k <= j; ++k) {
      doubled_rank[k] = i + j + 2;
      if (nonzero[order[k]] > 0.0) w += i + j + 2;
    }
    i = j + 1;
  }
  out.w_plus = 0.5 * static_cast<double>(w);
  out.p = exact_signed_rank_p(doubled_rank, w);
  return out;
}

double wilcoxon_exact_p(const std::vector<double>& diff, double resolution) {
  return wilcoxon_signed_rank(diff, resolution).p;
}

double binomial_two_sided_p(int k, int n, double p) {
  if (n < 0 || k < 0 || k > n)
    throw std::invalid_argument("binomial_two_sided_p: need 0 <= k <= n, got k = " + std::to_string(k) +
                                ", n = " + std::to_string(n));
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("binomial_two_sided_p: p must be in [0, 1], got " + std::to_string(p));
  if (n == 0) return kNaN;
  if (static_cast<double>(k) == p * n) return 1.0;
  if (p == 0.0 || p == 1.0) {
    // Degenerate: all mass on one outcome, which k is not (else the line above returned).
    return 0.0;
  }
  auto pmf = [&](int i) { return std::exp(log_binomial_pmf(i, n, p)); };
  // SciPy's relative tolerance: outcomes this close to P(k) count as "as extreme".
  const double threshold = pmf(k) * (1.0 + 1e-7);
  const int mode = std::min(n, static_cast<int>(std::floor((n + 1) * p)));
  double sum = 0.0;
  for (int i = 0; i <= mode; ++i) {
    const double v = pmf(i);
    if (v <= threshold) sum += v;
  }
  for (int i = n; i > mode; --i) {
    const double v = pmf(i);
    if (v <= threshold) sum += v;
  }
  return std::min(1.0, sum);
}

double sign_test_p(int wins, int losses) {
  if (wins < 0 || losses < 0)
    throw std::invalid_argument("sign_test_p: counts must be >= 0, got wins = " + std::to_string(wins) +
                                ", losses = " + std::to_string(losses));
  if (wins + losses == 0) return kNaN;
  return binomial_two_sided_p(wins, wins + losses, 0.5);
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p[i])) continue;
    if (p[i] < 0.0 || p[i] > 1.0)
      throw std::invalid_argument("holm_adjust: p-value " + std::to_string(i) + " is " + std::to_string(p[i]) +
                                  ", outside [0, 1]");
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return p[i] < p[j]; });
  std::vector<double> adjusted(p.size(), kNaN);
  const std::size_t m = order.size();
  double running = 0.0;
  for (std::size_t j = 0; j < m; ++j) {
    running = std::max(running, static_cast<double>(m - j) * p[order[j]]);
    adjusted[order[j]] = std::min(1.0, running);
  }
  return adjusted;
}

PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size())
    throw std::invalid_argument("compare_paired: arms differ in size (" + std::to_string(a.size()) + " vs " +
                                std::to_string(b.size()) + ")");
  if (any_nan(a) || any_nan(b)) throw std::invalid_argument("compare_paired: an arm holds NaN");
  PairedComparison c;
  std::vector<double> diff(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff[i] = a[i] - b[i];
    if (a[i] > b[i]) ++c.wins;
    else if (a[i] < b[i]) ++c.losses;
    else ++c.ties;
  }
  const Describe d = describe(diff);
  c.n = d.n;
  c.mean_diff = d.mean;
  c.sd_diff = d.sd;
  c.ci = t_interval(diff, 0.95);
  c.t_p = paired_t_p(diff);
  c.wilcoxon_p = wilcoxon_exact_p(diff);
  return c;
}

}  // namespace alchain::stats
