// alchain::stats' paired statistics against SciPy 1.10.1 / statsmodels 0.13.5 references and brute force.
//
// Every expected number below was printed by tests/unit/stats_reference.py (SciPy 1.10.1, NumPy
// 1.24.2, statsmodels 0.13.5 from Debian 12) and pasted here; the tests do not run Python. Tie
// cases of the Wilcoxon test are checked against a 2^n sign-flip enumeration written below,
// because SciPy's exact mode does not handle ties. The t distribution itself: test_stats_t.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "alchain/stats/paired.hpp"
#include "stats_test_support.hpp"

using namespace alchain::stats;

namespace {

// W+ and its two-sided p-value over all 2^n sign flips of |diff| (zeros dropped), with midranks
// found by counting exact equalities, independently of the library's sort-and-group ranking, its
// resolution and its DP. Given integer-valued diffs (counts), its ties and zeros are exact.
struct BruteForce {
  double w_plus, p;
};

BruteForce wilcoxon_brute_force(const std::vector<double>& diff) {
  std::vector<double> d;
  for (double v : diff)
    if (v != 0.0) d.push_back(v);
  const std::size_t n = d.size();
  std::vector<double> rank(n);
  for (std::size_t i = 0; i < n; ++i) {
    double less = 0.0, equal = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (std::fabs(d[j]) < std::fabs(d[i])) less += 1.0;
      if (std::fabs(d[j]) == std::fabs(d[i])) equal += 1.0;
    }
    rank[i] = less + (equal + 1.0) / 2.0;  // multiples of 1/2: sums are exact in double
  }
  double observed = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    if (d[i] > 0.0) observed += rank[i];
  double le = 0.0, ge = 0.0;
  const unsigned long patterns = 1UL << n;
  for (unsigned long mask = 0; mask < patterns; ++mask) {
    double w = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      if (mask & (1UL << i)) w += rank[i];
    if (w <= observed) le += 1.0;
    if (w >= observed) ge += 1.0;
  }
  return {observed, std::fmin(1.0, 2.0 * std::fmin(le, ge) / static_cast<double>(patterns))};
}

double wilcoxon_brute_force_p(const std::vector<double>& diff) { return wilcoxon_brute_force(diff).p; }

// Pairs (i, j) whose count differences tie (|dk_i| == |dk_j|, non-zero) while the double
// differences k1/N - k2/N do not compare equal: the ties exact comparison would break.
int broken_ties(const std::vector<long>& dk, const std::vector<double>& diff) {
  int broken = 0;
  for (std::size_t i = 0; i < dk.size(); ++i)
    for (std::size_t j = i + 1; j < dk.size(); ++j)
      if (dk[i] != 0 && std::labs(dk[i]) == std::labs(dk[j]) && std::fabs(diff[i]) != std::fabs(diff[j])) ++broken;
  return broken;
}

struct VecCase {
  std::vector<double> x;
  double expected;
};

}  // namespace

TEST_CASE("describe matches numpy mean and std(ddof=1); n = 0, 1 and constant samples") {
  struct Case {
    std::vector<double> x;
    double mean, sd;
  };
  const std::vector<Case> cases = {
      {{3.5, 7.25}, 5.375, 2.6516504294495533},
      {{1.0, 2.0, 3.0, 4.0}, 2.5, 1.2909944487358056},
      {{0.81, 0.79, 0.835, 0.802, 0.818}, 0.81099999999999994, 0.01694107434609738},
      {{-1.5, 2.25, 1000.0, -7.125, 0.001, 42.0}, 172.60433333333333, 405.7261497151332},
  };
  for (const Case& c : cases) {
    const Describe d = describe(c.x);
    CHECK(d.n == c.x.size());
    CHECK_REL(d.mean, c.mean, 1e-14);
    CHECK_REL(d.sd, c.sd, 1e-14);
  }

  const Describe empty = describe({});
  CHECK(empty.n == 0);
  CHECK(std::isnan(empty.mean));
  CHECK(std::isnan(empty.sd));

  const Describe one = describe({3.5});
  CHECK(one.n == 1);
  CHECK(one.mean == 3.5);
  CHECK(std::isnan(one.sd));

  // 0.1 summed ten times is not 1.0 in binary; the shifted mean still gives exactly 0.1 and sd 0.
  const Describe same = describe(std::vector<double>(10, 0.1));
  CHECK(same.mean == 0.1);
  CHECK(same.sd == 0.0);

  CHECK(std::isnan(describe({1.0, NAN, 2.0}).mean));
}

TEST_CASE("t_interval for n = 2, 3, 5, 10 matches mean -/+ t quantile * sem") {
  struct Case {
    std::vector<double> x;
    double level, scipy_lo, scipy_hi, lo, hi;
  };
  // {x, level, scipy.stats.t.interval(level, n-1, mean, sem), mean -/+ mpmath quantile * sem}
  const std::vector<Case> cases = {
      {{0.8, 0.84}, 0.95, 0.56587590527135867, 1.0741240947286415, 0.56587590527650666, 1.0741240947234934},
      {{1.0, 2.5, 2.0}, 0.95, -0.063958183536399371, 3.7306248502030659, -0.06395818346504667, 3.7306248501317132},
      {{0.81, 0.79, 0.835, 0.802, 0.818}, 0.95, 0.7899648778935574, 0.83203512210644248, 0.7899648778935574,
       0.83203512210644248},
      {{0.81, 0.79, 0.835, 0.802, 0.818}, 0.9, 0.79484853448977488, 0.827151465510225, 0.79484853445196657,
       0.82715146554803332},
      {{3.1, -0.4, 2.2, 0.9, 1.7, 2.8, -1.3, 0.5, 1.1, 2.05}, 0.95, 0.26747532837409205, 2.2625246716259078,
       0.26747532834886312, 2.2625246716511365},
      {{3.1, -0.4, 2.2, 0.9, 1.7, 2.8, -1.3, 0.5, 1.1, 2.05}, 0.99, -0.16805301120376148, 2.6980530112037613,
       -0.1680530101352038, 2.6980530101352036},
  };
  for (const Case& c : cases) {
    CAPTURE(c.x.size());
    CAPTURE(c.level);
    const Interval ci = t_interval(c.x, c.level);
    CHECK_REL(ci.lo, c.lo, 1e-10);
    CHECK_REL(ci.hi, c.hi, 1e-10);
    CHECK_REL(ci.lo, c.scipy_lo, 1e-8);
    CHECK_REL(ci.hi, c.scipy_hi, 1e-8);
  }

  CHECK(std::isnan(t_interval({}).lo));
  CHECK(std::isnan(t_interval({}).hi));
  CHECK(std::isnan(t_interval({2.0}).lo));
  CHECK(std::isnan(t_interval({2.0}).hi));
  const Interval flat = t_interval({0.7, 0.7, 0.7});
  CHECK(flat.lo == 0.7);
  CHECK(flat.hi == 0.7);
  CHECK_THROWS_AS(t_interval({1.0, 2.0}, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(t_interval({1.0, 2.0}, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(t_interval({1.0, 2.0}, NAN), std::invalid_argument);
}

TEST_CASE("paired_t_p matches scipy.stats.ttest_1samp; n < 2, zero variance and NaN conventions") {
  // {diff, scipy.stats.ttest_1samp(diff, 0).pvalue}
  const std::vector<VecCase> cases = {
      {{1.0, 3.0}, 0.29516723530086642},
      {{0.5, -0.2, 0.3, 0.1, 0.4}, 0.15094405366901748},
      {{0.012, -0.004, 0.021, 0.008, 0.015, -0.001, 0.019, 0.006, 0.011, 0.003}, 0.0071306337867480226},
      {{1.0, 1.1, 0.9, 1.05, 0.95, 1.02}, 3.833628301203464e-07},
      {{-0.3, 0.2, -0.1, 0.4, -0.2, 0.1, -0.4, 0.3}, 1},
      {{0.0031, -0.0003, -0.0247, 0.0365, 0.0055, 0.0171, 0.0075, -0.0032, 0.0122, -0.0172,
        0.0069, 0.0096, -0.0058, -0.006, 0.0097, 0.0099, -0.0074, -0.0104, 0.0249, 0.0091,
        0.0043, -0.0077, -0.0049, -0.0016, -0.0016, -0.0017, 0.0246, 0.0098, -0.0102, 0.0087},
       0.17749873265838245},
  };
  for (const VecCase& c : cases) {
    CAPTURE(c.x.size());
    CHECK_REL(paired_t_p(c.x), c.expected, 1e-10);
  }

  CHECK(std::isnan(paired_t_p({})));
  CHECK(std::isnan(paired_t_p({0.4})));
  CHECK(std::isnan(paired_t_p({0.4, NAN, 0.1})));
  // Zero variance, where SciPy returns NaN: no difference at all is p = 1, a constant shift p = 0.
  CHECK(paired_t_p({0.0, 0.0, 0.0}) == 1.0);
  CHECK(paired_t_p({0.02, 0.02, 0.02, 0.02}) == 0.0);
}

TEST_CASE("wilcoxon_exact_p matches scipy.stats.wilcoxon(method='exact') without ties, n = 3..12") {
  // {diff, scipy.stats.wilcoxon(diff, method='exact', zero_method='wilcox').pvalue}
  const std::vector<VecCase> cases = {
      {{0.5, 1.25, 2.0}, 0.25},
      {{-0.3, -0.1, -0.7, -0.2, -0.9, -0.05}, 0.03125},
      {{0.301, 0.599, 0.026}, 0.25},
      {{-0.591, -0.155, -0.692, 0.36}, 0.375},
      {{1.64, -0.192, -0.32, 0.79, 0.657}, 0.3125},
      {{0.405, -0.63, 0.271, 0.995, -1.044, -0.158}, 1},
      {{-1.601, -0.99, -1.542, 0.065, -0.967, 0.571, 0.457}, 0.21875},
      {{0.113, -2.217, -0.239, 0.251, 0.413, -1.23, -0.178, -0.679}, 0.3125},
      {{-0.509, 1.361, -0.508, 0.267, 1.184, -0.284, 0.188, 0.41, 0.364}, 0.49609375},
      {{-0.925, 0.376, 1.659, -1.247, 1.159, 0.419, -0.341, 2.3, 1.062, -0.899}, 0.375},
      {{0.375, 0.877, 0.111, 0.983, 0.233, 0.967, 1.739, -0.376, 0.503, -0.163, 0.427}, 0.0185546875},
      {{-0.887, -0.279, 0.104, 1.199, 1.445, -1.024, -0.495, 0.947, -1.692, -0.163, 0.203, 1.557},
       0.90966796875},
      {{0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5}, 0.00048828125},
  };
  for (const VecCase& c : cases) {
    CAPTURE(c.x.size());
    CHECK_REL(wilcoxon_exact_p(c.x), c.expected, 1e-12);
    CHECK_REL(wilcoxon_brute_force_p(c.x), c.expected, 1e-12);
  }
}

TEST_CASE("wilcoxon_exact_p drops zeros and handles tied |diff| exactly, against brute force") {
  // SciPy 1.10 leaves exact mode when zeros are present, so its reference here is the exact
  // p-value of the same vector without its zeros: scipy.stats.wilcoxon([1.5, -2.25, 3.0, 4.5,
  // 5.75, -0.5], method='exact').pvalue.
  const std::vector<double> with_zeros = {0.0, 1.5, -2.25, 3.0, 0.0, 4.5, 5.75, -0.5};
  CHECK_REL(wilcoxon_exact_p(with_zeros), 0.21875, 1e-12);
  CHECK_REL(wilcoxon_brute_force_p(with_zeros), 0.21875, 1e-12);

  // Ties: no SciPy reference (its exact mode ignores them); the 2^n enumeration is the reference.
  const std::vector<std::vector<double>> tied = {
      {1.0, 1.0, -1.0},
      {1.0, 1.0, 1.0, 1.0},
      {2.0, -2.0, 2.0, -2.0, 3.0},
      {0.5, 0.5, 1.0, -1.0, 1.5, 2.0, 2.0, 2.0},
      {0.01, -0.01, 0.02, 0.02, 0.0, 0.03, -0.04, 0.04, 0.04, 0.05},
      {3.0, 3.0, 3.0, -1.0, 2.0, 2.0, 4.0, 4.0, 5.0, -5.0, 6.0, 6.0, 6.0, 6.0, 7.0, 0.0, 8.0},
  };
  for (const std::vector<double>& d : tied) {
    CAPTURE(d.size());
    CHECK_REL(wilcoxon_exact_p(d), wilcoxon_brute_force_p(d), 1e-12);
  }
  // Hand check of {1, 1, -1}: midranks 2, 2, 2; W+ = 4 of {0, 2, 2, 2, 4, 4, 4, 6};
  // P(W+ <= 4) = 7/8, P(W+ >= 4) = 4/8, p = min(1, 2 * 4/8) = 1.
  CHECK(wilcoxon_exact_p({1.0, 1.0, -1.0}) == 1.0);
  // All four positive and tied: W+ = 10 is the single largest of 16 outcomes, p = 2/16.
  CHECK(wilcoxon_exact_p({1.0, 1.0, 1.0, 1.0}) == 0.125);

  CHECK(std::isnan(wilcoxon_exact_p({})));
  CHECK(std::isnan(wilcoxon_exact_p({0.0, 0.0, 0.0})));
  CHECK(std::isnan(wilcoxon_exact_p({1.0, NAN, 2.0})));
  // A single non-zero difference: W+ is 0 or 1 with probability 1/2 each, p = 1.
  CHECK(wilcoxon_exact_p({0.0, 0.3}) == 1.0);
}

TEST_CASE("wilcoxon_signed_rank ties accuracy differences k1/N - k2/N by their counts, not their rounding") {
  // Accuracies of two arms over 12 repeats on N = 10000 test samples, as counts; d = a/N - b/N in
  // double, as compare_paired computes it from stored accuracies.
  const double n_test = 10000.0;
  const std::vector<long> ka = {8123, 8061, 7950, 8004, 8311, 7702, 8150, 8200, 7999, 8420, 8005, 7811};
  const std::vector<long> dk = {7, -7, 3, -3, 7, 7, 3, -12, 12, -12, 0, 5};
  std::vector<double> diff, counts;
  for (std::size_t i = 0; i < ka.size(); ++i) {
    diff.push_back(static_cast<double>(ka[i]) / n_test - static_cast<double>(ka[i] - dk[i]) / n_test);
    counts.push_back(static_cast<double>(dk[i]));
  }
  // Not vacuous: mathematically tied |d| differ bitwise (e.g. 7/N as 7.000000000000339e-4 and
  // 6.999999999999229e-4), so exact comparison (resolution 0) breaks the ties.
  CHECK(std::fabs(diff[0]) != std::fabs(diff[1]));
  CHECK(std::fabs(diff[2]) != std::fabs(diff[3]));
  CHECK(std::fabs(diff[7]) != std::fabs(diff[9]));
  CHECK(broken_ties(dk, diff) >= 6);
  const SignedRank broken = wilcoxon_signed_rank(diff, 0.0);
  CHECK(broken.w_plus == 39.5);  // the ranks the rounding noise gives
  CHECK(broken.p != doctest::Approx(0.7001953125));

  // Reference: 2^11 sign flips of the integer differences, whose ties are exact. By hand: |dk|
  // sorted 3 3 3 5 7 7 7 7 12 12 12 take midranks 2, 4, 6.5, 10; W+ = 2 + 2 + 4 + 6.5 * 3 + 10 = 37.5.
  const BruteForce ref = wilcoxon_brute_force(counts);
  CHECK(ref.w_plus == 37.5);
  CHECK(ref.p == 0.7001953125);  // 1434 / 2048
  const SignedRank fixed = wilcoxon_signed_rank(diff);
  CHECK(fixed.n == 11);
  CHECK(fixed.w_plus == ref.w_plus);
  CHECK_REL(fixed.p, ref.p, 1e-12);
  CHECK_REL(wilcoxon_exact_p(diff), ref.p, 1e-12);
  const SignedRank from_counts = wilcoxon_signed_rank(counts);
  CHECK(from_counts.w_plus == fixed.w_plus);
  CHECK(from_counts.p == fixed.p);
  // compare_paired goes through the same rule.
  std::vector<double> a, b;
  for (std::size_t i = 0; i < ka.size(); ++i) {
    a.push_back(static_cast<double>(ka[i]) / n_test);
    b.push_back(static_cast<double>(ka[i] - dk[i]) / n_test);
  }
  CHECK_REL(compare_paired(a, b).wilcoxon_p, ref.p, 1e-12);
}

TEST_CASE("wilcoxon_signed_rank equals the integer-count test on random accuracy vectors") {
  // Deterministic LCG; N from 1000 to 50000 (3072 = 3 * 1024, whose 3/N would straddle a
  // rounding bin of 1e-9), small count differences so ties are frequent.
  unsigned long long state = 12345;
  auto next = [&state](unsigned long long mod) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<long>((state >> 33) % mod);
  };
  const std::vector<long> sizes = {1000, 3072, 10000, 50000};
  int vectors_with_broken_ties = 0, broken_results = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const long n_test = sizes[static_cast<std::size_t>(trial) % sizes.size()];
    const std::size_t n = 6 + static_cast<std::size_t>(next(7));  // 6..12 pairs
    std::vector<long> dk;
    std::vector<double> diff, counts;
    for (std::size_t i = 0; i < n; ++i) {
      const long k1 = n_test / 2 + next(static_cast<unsigned long long>(n_test / 2));
      const long k2 = std::max(0L, std::min(n_test, k1 - 6 + next(13)));
      dk.push_back(k1 - k2);
      diff.push_back(static_cast<double>(k1) / n_test - static_cast<double>(k2) / n_test);
      counts.push_back(static_cast<double>(k1 - k2));
    }
    if (broken_ties(dk, diff) > 0) ++vectors_with_broken_ties;
    const BruteForce ref = wilcoxon_brute_force(counts);
    if (wilcoxon_signed_rank(diff, 0.0).w_plus != ref.w_plus) ++broken_results;
    const SignedRank got = wilcoxon_signed_rank(diff);
    CAPTURE(trial);
    CHECK(got.w_plus == ref.w_plus);
    CHECK_REL(got.p, ref.p, 1e-12);
  }
  // Not vacuous: most vectors hold ties that exact comparison breaks, and many get another W+.
  CHECK(vectors_with_broken_ties >= 100);
  CHECK(broken_results >= 50);
  MESSAGE("vectors with broken ties: " << vectors_with_broken_ties << " of 200, W+ changed by exact comparison: "
                                       << broken_results);
}

TEST_CASE("wilcoxon_signed_rank counts |d| <= resolution as zero, e.g. 0.3 - 0.1 - 0.2") {
  const double noise = 0.3 - 0.1 - 0.2;
  CHECK(noise != 0.0);  // -2.8e-17: exact comparison would rank it
  const std::vector<double> with_noise = {noise, 1.5, -2.25, 3.0, 4.5, 5.75, -0.5};
  const std::vector<double> with_zero = {0.0, 1.5, -2.25, 3.0, 4.5, 5.75, -0.5};
  const SignedRank got = wilcoxon_signed_rank(with_noise);
  CHECK(got.n == 6);
  CHECK(got.w_plus == wilcoxon_signed_rank(with_zero).w_plus);
  CHECK(got.p == wilcoxon_signed_rank(with_zero).p);
  // The exact p of the six non-zero differences, as in the zeros test above (SciPy 1.10).
  CHECK_REL(got.p, 0.21875, 1e-12);
  CHECK(wilcoxon_signed_rank(with_noise, 0.0).n == 7);
  // Differences of equal accuracies computed by another path are zeros too.
  const double acc = 8100.0 / 10000.0;
  const double other = 8099.0 / 10000.0 + 1.0 / 10000.0;
  CHECK(acc - other != 0.0);  // 1.1e-16
  CHECK(std::isnan(wilcoxon_signed_rank({acc - other, noise}).p));
  // A resolution below 0, infinite or NaN is refused; above the data's spacing it merges values.
  CHECK_THROWS_AS(wilcoxon_signed_rank({1.0}, -1e-9), std::invalid_argument);
  CHECK_THROWS_AS(wilcoxon_signed_rank({1.0}, NAN), std::invalid_argument);
  CHECK_THROWS_AS(wilcoxon_signed_rank({1.0}, INFINITY), std::invalid_argument);
  // At resolution 1, 1.5 ~ 2.5 ~ 3.5 chain into one group of midrank 2, and 1.0 is a zero.
  CHECK(wilcoxon_signed_rank({1.5, -2.5, 3.5, 1.0}, 1.0).w_plus == 4.0);
  // Infinities tie with each other.
  CHECK(wilcoxon_signed_rank({INFINITY, -INFINITY, 1.0}).w_plus == 1.0 + 2.5);
}

TEST_CASE("binomial_two_sided_p matches scipy.stats.binomtest; sign_test_p follows it") {
  struct Case {
    int k, n;
    double p, expected;
  };
  // {k, n, p, scipy.stats.binomtest(k, n, p).pvalue}
  const std::vector<Case> cases = {
      {0, 10, 0.5, 0.001953125},
      {10, 10, 0.5, 0.001953125},
      {25, 28, 0.5, 2.7440488338470459e-05},
      {3, 28, 0.5, 2.7440488338470459e-05},
      {14, 28, 0.5, 1},
      {7, 20, 0.5, 0.26317596435546875},
      {1, 1, 0.5, 1},
      {0, 1, 0.5, 1},
      {5, 9, 0.3, 0.13916226699999998},
      {3, 10, 0.1, 0.070190826400000003},
      {50, 100, 0.5, 1},
      {40, 100, 0.5, 0.056887933640980881},
      {480, 1000, 0.47, 0.52655038100973339},
      {0, 5, 0.2, 0.59040000000000004},
      {2, 5, 0.4, 1},
      {6, 6, 0.5, 0.03125},
      {1, 7, 0.5, 0.125},
  };
  for (const Case& c : cases) {
    CAPTURE(c.k);
    CAPTURE(c.n);
    CAPTURE(c.p);
    CHECK_REL(binomial_two_sided_p(c.k, c.n, c.p), c.expected, 1e-10);
  }
  CHECK(std::isnan(binomial_two_sided_p(0, 0)));
  CHECK(binomial_two_sided_p(0, 4, 0.0) == 1.0);
  CHECK(binomial_two_sided_p(2, 4, 0.0) == 0.0);
  CHECK(binomial_two_sided_p(4, 4, 1.0) == 1.0);
  CHECK_THROWS_AS(binomial_two_sided_p(5, 4), std::invalid_argument);
  CHECK_THROWS_AS(binomial_two_sided_p(-1, 4), std::invalid_argument);
  CHECK_THROWS_AS(binomial_two_sided_p(1, 4, 1.5), std::invalid_argument);

  // sign test = binomtest(wins, wins + losses, 0.5)
  CHECK_REL(sign_test_p(25, 3), 2.7440488338470459e-05, 1e-10);
  CHECK_REL(sign_test_p(3, 25), 2.7440488338470459e-05, 1e-10);
  CHECK_REL(sign_test_p(0, 10), 0.001953125, 1e-10);
  CHECK_REL(sign_test_p(6, 0), 0.03125, 1e-10);
  CHECK(sign_test_p(1, 0) == 1.0);
  CHECK(std::isnan(sign_test_p(0, 0)));
  CHECK_THROWS_AS(sign_test_p(-1, 3), std::invalid_argument);
}

TEST_CASE("holm_adjust matches statsmodels multipletests(method='holm'); NaN stays out of m") {
  struct Case {
    std::vector<double> p, expected;
  };
  // {p, statsmodels multipletests(p, method='holm')[1]}; NaN entries removed before the call and
  // put back as NaN.
  const std::vector<Case> cases = {
      {{0.01, 0.04, 0.03, 0.005, 0.2},
       {0.040000000000000001, 0.089999999999999997, 0.089999999999999997, 0.025000000000000001,
        0.20000000000000001}},
      {{0.5, 0.6, 0.9}, {1, 1, 1}},
      {{0.02, NAN, 0.01, 0.04}, {0.040000000000000001, NAN, 0.029999999999999999, 0.040000000000000001}},
      {{0.01, 0.01, 0.03}, {0.029999999999999999, 0.029999999999999999, 0.029999999999999999}},
      {{0.001}, {0.001}},
      {{0.3, 0.0001, 0.012, 0.049, 0.02, 0.0125},
       {0.29999999999999999, 0.00060000000000000006, 0.059999999999999998, 0.098000000000000004,
        0.059999999999999998, 0.059999999999999998}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.p.size());
    const std::vector<double> adjusted = holm_adjust(c.p);
    REQUIRE(adjusted.size() == c.expected.size());
    for (std::size_t i = 0; i < adjusted.size(); ++i) {
      CAPTURE(i);
      if (std::isnan(c.expected[i])) CHECK(std::isnan(adjusted[i]));
      else CHECK_REL(adjusted[i], c.expected[i], 1e-12);
    }
  }

  // By hand, p = {0.04, NaN, 0.001, 0.03}: m = 3 non-NaN values; sorted 0.001, 0.03, 0.04 get
  // 3 * 0.001 = 0.003, max(0.003, 2 * 0.03) = 0.06, max(0.06, 1 * 0.04) = 0.06.
  const std::vector<double> hand = holm_adjust({0.04, NAN, 0.001, 0.03});
  CHECK_REL(hand[0], 0.06, 1e-12);
  CHECK(std::isnan(hand[1]));
  CHECK_REL(hand[2], 0.003, 1e-12);
  CHECK_REL(hand[3], 0.06, 1e-12);
  // By hand, p = {0.4, 0.3}: 2 * 0.3 = 0.6, max(0.6, 1 * 0.4) = 0.6.
  const std::vector<double> two = holm_adjust({0.4, 0.3});
  CHECK_REL(two[0], 0.6, 1e-12);
  CHECK_REL(two[1], 0.6, 1e-12);

  CHECK(holm_adjust({}).empty());
  const std::vector<double> all_nan = holm_adjust({NAN, NAN});
  CHECK(std::isnan(all_nan[0]));
  CHECK(std::isnan(all_nan[1]));
  CHECK_THROWS_AS(holm_adjust({0.1, 1.5}), std::invalid_argument);
  CHECK_THROWS_AS(holm_adjust({-0.1}), std::invalid_argument);
}

TEST_CASE("compare_paired bundles the paired statistics of a - b") {
  const std::vector<double> a = {0.812, 0.797, 0.831, 0.805, 0.82, 0.79, 0.826, 0.815};
  const std::vector<double> b = {0.801, 0.799, 0.812, 0.805, 0.806, 0.7845, 0.818, 0.7935};
  const PairedComparison c = compare_paired(a, b);
  CHECK(c.n == 8);
  CHECK(c.wins == 6);
  CHECK(c.losses == 1);
  CHECK(c.ties == 1);
  // numpy mean / std(ddof=1) of a - b
  CHECK_REL(c.mean_diff, 0.0096249999999999808, 1e-12);
  CHECK_REL(c.sd_diff, 0.008429328053206309, 1e-12);
  // mean -/+ mpmath t quantile(0.975, 7) * scipy.stats.sem(a - b)
  CHECK_REL(c.ci.lo, 0.0025779053922392603, 1e-10);
  CHECK_REL(c.ci.hi, 0.016672094607760701, 1e-10);
  // scipy.stats.ttest_rel(a, b).pvalue
  CHECK_REL(c.t_p, 0.014459154825163037, 1e-10);
  // scipy.stats.wilcoxon(non-zero a - b, method='exact').pvalue: the tie is dropped, 7 remain
  CHECK_REL(c.wilcoxon_p, 0.03125, 1e-12);

  const PairedComparison same = compare_paired(a, a);
  CHECK(same.ties == 8);
  CHECK(same.mean_diff == 0.0);
  CHECK(same.sd_diff == 0.0);
  CHECK(same.ci.lo == 0.0);
  CHECK(same.ci.hi == 0.0);
  CHECK(same.t_p == 1.0);
  CHECK(std::isnan(same.wilcoxon_p));

  const PairedComparison none = compare_paired({}, {});
  CHECK(none.n == 0);
  CHECK(std::isnan(none.mean_diff));
  CHECK(std::isnan(none.ci.lo));
  CHECK(std::isnan(none.t_p));
  CHECK(std::isnan(none.wilcoxon_p));

  const PairedComparison one = compare_paired({0.9}, {0.8});
  CHECK(one.wins == 1);
  CHECK(std::isnan(one.sd_diff));
  CHECK(std::isnan(one.t_p));
  CHECK(one.wilcoxon_p == 1.0);

  CHECK_THROWS_AS(compare_paired({1.0, 2.0}, {1.0}), std::invalid_argument);
  CHECK_THROWS_AS(compare_paired({1.0, NAN}, {1.0, 2.0}), std::invalid_argument);
}
