/// Torch-free statistics for comparing two arms over paired repeats: t, Wilcoxon, sign test, Holm.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace alchain::stats {

/// Sample size, mean and sample standard deviation (denominator n - 1).
struct Describe {
  std::size_t n = 0;
  double mean = NAN;  ///< NaN when n == 0
  double sd = NAN;    ///< NaN when n < 2; exactly 0 when all values are equal
};

/// Returns n, mean and sample sd of `x` (two-pass, shifted by x[0] so equal values give sd == 0
/// exactly). NaN or infinite values propagate into mean and sd.
Describe describe(const std::vector<double>& x);

/// Returns the regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1
/// (continued fraction, modified Lentz). Returns NaN for arguments outside that domain.
double incomplete_beta(double a, double b, double x);

/// Returns P(T <= t) for Student's t with `df` degrees of freedom (df > 0; df = +inf gives the
/// standard normal). Returns NaN when t or df is NaN or df <= 0; 0 and 1 at t = -inf and +inf.
double student_t_cdf(double t, double df);

/// Returns P(|T| >= |t|), the two-sided tail, computed without cancellation (I_{df/(df+t^2)}(df/2,
/// 1/2)). Same domain conventions as student_t_cdf.
double student_t_two_sided_tail(double t, double df);

/// Returns the t with student_t_cdf(t, df) == p, to about 1e-15 relative (bracketed Newton).
/// Returns -inf at p == 0, +inf at p == 1, NaN for p outside [0, 1], NaN p, or df <= 0.
double student_t_quantile(double p, double df);

/// A closed interval; both ends NaN when undefined.
struct Interval {
  double lo = NAN, hi = NAN;
};

/// Returns mean ± t_{(1+level)/2, n-1} · sd / sqrt(n). Returns {NaN, NaN} when n < 2 and
/// {mean, mean} when sd == 0. Throws std::invalid_argument unless 0 < level < 1.
Interval t_interval(const std::vector<double>& x, double level = 0.95);

/// Returns the two-sided p-value of the one-sample t-test of mean(diff) == 0 (df = n - 1), as
/// scipy.stats.ttest_1samp / ttest_rel. Returns NaN when n < 2 or any value is NaN; when sd == 0
/// (where SciPy gives NaN) returns 1 if the mean is 0 and 0 otherwise.
double paired_t_p(const std::vector<double>& diff);

/// The Wilcoxon test's default resolution: differences of metrics in [0, 1] carry rounding
/// noise near 1e-16, while differences of accuracies k/N are multiples of 1/N, at least 1e-8
/// apart for any N up to 10^8; 1e-9 separates the two.
inline constexpr double kWilcoxonResolution = 1e-9;

/// Wilcoxon signed-rank statistic and its exact two-sided p-value.
struct SignedRank {
  std::size_t n = 0;   ///< non-zero differences, the ones ranked
  double w_plus = NAN; ///< sum of the (mid)ranks of the positive differences; NaN when n == 0
  double p = NAN;      ///< NaN when n == 0
};

/// Returns the exact Wilcoxon signed-rank test of `diff`, with ties and zeros found at
/// `resolution` (absolute): a difference with |d| <= resolution is a zero and is dropped (SciPy's
/// zero_method='wilcox'); the other |d| are sorted, and a maximal run in which each |d| is within
/// `resolution` of the one before is one tie group, given its midrank. For differences of
/// accuracies k/N (N up to 10^8) this ties exactly the pairs with equal |k1 - k2|, whatever the
/// rounding of k1/N - k2/N; resolution = 0 ties by exact equality. The null distribution of W+ is
/// computed exactly conditional on those (mid)ranks by dynamic programming over doubled ranks;
/// p = min(1, 2 · min(P(W+ <= w), P(W+ >= w))). Without ties and zeros this equals
/// scipy.stats.wilcoxon(diff, method='exact'); with ties or zeros SciPy switches to an
/// approximation and differs. n = 0 and NaN w_plus and p when no difference is non-zero or any is
/// NaN. Throws std::invalid_argument unless resolution is finite and >= 0. Costs O(m^3) time and
/// O(m^2) memory for m non-zero differences.
SignedRank wilcoxon_signed_rank(const std::vector<double>& diff, double resolution = kWilcoxonResolution);

/// Returns wilcoxon_signed_rank(diff, resolution).p.
double wilcoxon_exact_p(const std::vector<double>& diff, double resolution = kWilcoxonResolution);

/// Returns the two-sided binomial test p-value as scipy.stats.binomtest(k, n, p).pvalue: the sum
/// of P(X = i) over every i with P(X = i) <= P(X = k) · (1 + 1e-7), capped at 1. Returns NaN when
/// n == 0. Throws std::invalid_argument unless 0 <= k <= n and 0 <= p <= 1.
double binomial_two_sided_p(int k, int n, double p = 0.5);

/// Returns the two-sided sign-test p-value, binomial_two_sided_p(wins, wins + losses, 0.5); ties
/// must be excluded by the caller. Returns NaN when wins + losses == 0; throws
/// std::invalid_argument on a negative count.
double sign_test_p(int wins, int losses);

/// Returns Holm step-down adjusted p-values in the input order: for the j-th smallest (0-based)
/// of m, max over i <= j of (m - i) · p_(i), capped at 1 (as statsmodels multipletests 'holm').
/// NaN entries stay NaN and do not count in m. Throws std::invalid_argument on a value outside
/// [0, 1].
std::vector<double> holm_adjust(const std::vector<double>& p);

/// Summary of a paired comparison of arm a against arm b over the same repeats.
struct PairedComparison {
  std::size_t n = 0;  ///< pairs
  double mean_diff = NAN, sd_diff = NAN;
  Interval ci;  ///< 95% t-interval of the mean difference
  double t_p = NAN, wilcoxon_p = NAN;
  int wins = 0, losses = 0, ties = 0;  ///< a[i] > b[i], a[i] < b[i], a[i] == b[i]
};

/// Returns the statistics of diff = a - b (describe, t_interval at 0.95, paired_t_p,
/// wilcoxon_exact_p at kWilcoxonResolution, win/loss/tie counts by exact comparison of a[i] and
/// b[i]), with their NaN conventions. Throws std::invalid_argument when the sizes differ or a
/// value is NaN.
PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace alchain::stats
