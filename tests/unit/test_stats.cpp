// alchain::stats against SciPy 1.10.1 / statsmodels 0.13.5 / mpmath references and brute force.
//
// Every expected number below was printed by tests/unit/stats_reference.py (SciPy 1.10.1, NumPy
// 1.24.2, statsmodels 0.13.5, mpmath 1.2.1 from Debian 12) and pasted here; the tests do not run
// Python. Tie cases of the Wilcoxon test are checked against a 2^n sign-flip enumeration written
// below, because SciPy's exact mode does not handle ties.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "alchain/stats/paired.hpp"

using namespace alchain::stats;

namespace {

// |actual - expected| <= tol * max(|actual|, |expected|), with no absolute slack: a tiny expected
// value must be matched to the same relative precision as a large one.
bool rel_close(double actual, double expected, double tol) {
  if (actual == expected) return true;
  return std::fabs(actual - expected) <= tol * std::fmax(std::fabs(actual), std::fabs(expected));
}

std::string full(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

#define CHECK_REL(actual, expected, tol)                                                         \
  do {                                                                                           \
    const double actual_ = (actual);                                                             \
    const double expected_ = (expected);                                                         \
    CHECK_MESSAGE(rel_close(actual_, expected_, tol),                                            \
                  #actual " = " << full(actual_) << ", expected " << full(expected_) << " (rel " \
                                << (tol) << ")");                                                \
  } while (0)

// Two-sided p-value of W+ over all 2^n sign flips of |diff| (zeros dropped), with midranks found
// by counting, independently of the library's sort-and-group ranking and its DP.
double wilcoxon_brute_force_p(const std::vector<double>& diff) {
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
  return std::fmin(1.0, 2.0 * std::fmin(le, ge) / static_cast<double>(patterns));
}

struct VecCase {
  std::vector<double> x;
  double expected;
};

}  // namespace

TEST_CASE("the relative comparison used below rejects a 1e-9 relative error") {
  // Guards the tests from passing by accident: a tolerance bug would make every check vacuous.
  CHECK(rel_close(0.25, 0.25, 1e-10));
  CHECK(rel_close(1.0, 1.0 + 5e-11, 1e-10));
  CHECK_FALSE(rel_close(1.0, 1.0 + 1e-9, 1e-10));
  CHECK_FALSE(rel_close(1e-30, 1.000000001e-30, 1e-10));  // no absolute slack near zero
  CHECK_FALSE(rel_close(0.0, 1e-300, 1e-10));
}

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

TEST_CASE("student_t_cdf matches scipy.stats.t.cdf, tails included") {
  struct Case {
    double t, df, expected;
  };
  // {t, df, scipy.stats.t.cdf(t, df)}
  const std::vector<Case> cases = {
      {-1000000.0, 1.0, 3.1830988618368455e-07},
      {-50.0, 1.0, 0.0063653491009727971},
      {-6.0, 1.0, 0.052568456711253424},
      {-2.5, 1.0, 0.12111894159084335},
      {-1.0, 1.0, 0.24999999999999978},
      {-0.1, 1.0, 0.46827448256944643},
      {0.0, 1.0, 0.5},
      {0.3, 1.0, 0.59277357907774231},
      {1.5, 1.0, 0.81283295818900125},
      {3.0, 1.0, 0.89758361765043326},
      {12.0, 1.0, 0.97353532394041009},
      {1000.0, 1.0, 0.99968169021991937},
      {-1000000.0, 2.0, 4.9999999999925005e-13},
      {-50.0, 2.0, 0.00019988007994404026},
      {-6.0, 2.0, 0.013335736607712385},
      {-2.5, 2.0, 0.064805860110755398},
      {-1.0, 2.0, 0.21132486540518713},
      {-0.1, 2.0, 0.4647327192070701},
      {0.0, 2.0, 0.5},
      {0.3, 2.0, 0.6037571695799111},
      {1.5, 2.0, 0.86380343755449962},
      {3.0, 2.0, 0.95226701686664539},
      {12.0, 2.0, 0.99656353316142077},
      {1000.0, 2.0, 0.99999950000075},
      {-1000000.0, 4.0, 2.9999999999799967e-24},
      {-50.0, 4.0, 4.7872268284848463e-07},
      {-6.0, 4.0, 0.001941268523480256},
      {-2.5, 4.0, 0.033383272405994063},
      {-1.0, 4.0, 0.18695048315002949},
      {-0.1, 4.0, 0.46257792046972662},
      {0.0, 4.0, 0.5},
      {0.3, 4.0, 0.61043928586127016},
      {1.5, 4.0, 0.89600000000000002},
      {3.0, 4.0, 0.9800290159641406},
      {12.0, 4.0, 0.99986178572574858},
      {1000.0, 4.0, 0.99999999999699996},
      {-1000000.0, 9.0, 2.5458970370132932e-51},
      {-50.0, 9.0, 1.284476455437399e-12},
      {-6.0, 9.0, 0.00010124966103382041},
      {-2.5, 9.0, 0.016930913841492853},
      {-1.0, 9.0, 0.17171819806895677},
      {-0.1, 9.0, 0.46126822397834061},
      {0.0, 9.0, 0.5},
      {0.3, 9.0, 0.61450464812923755},
      {1.5, 9.0, 0.91607467197146264},
      {3.0, 9.0, 0.99252181804479289},
      {12.0, 9.0, 0.99999961500568879},
      {1000.0, 9.0, 1},
      {-1000000.0, 29.0, 1.1768980931328495e-154},
      {-50.0, 29.0, 5.374311992786225e-30},
      {-6.0, 29.0, 7.963954213087339e-07},
      {-2.5, 29.0, 0.0091626721692130344},
      {-1.0, 29.0, 0.16279099400809682},
      {-0.1, 29.0, 0.46051622224368688},
      {0.0, 29.0, 0.5},
      {0.3, 29.0, 0.6168414533355161},
      {1.5, 29.0, 0.92778815197980713},
      {3.0, 29.0, 0.99725040393304831},
      {12.0, 29.0, 0.99999999999954703},
      {1000.0, 29.0, 1},
      {-1000000.0, 2.5, 7.1933971908142307e-16},
      {-50.0, 2.5, 4.0652475424793646e-05},
      {-6.0, 2.5, 0.0076408649427614468},
      {-2.5, 2.5, 0.052284981539077686},
      {-1.0, 2.5, 0.20203051363913677},
      {-0.1, 2.5, 0.46390327203124482},
      {0.0, 2.5, 0.5},
      {0.3, 2.5, 0.60632881425240148},
      {1.5, 2.5, 0.87608177345685201},
      {3.0, 2.5, 0.96371195222548411},
      {12.0, 2.5, 0.99858189248496088},
      {1000.0, 2.5, 0.99999997725253609},
      {-1000000.0, 150.0, 0},
      {-50.0, 150.0, 9.7280583807978652e-96},
      {-6.0, 150.0, 7.0946045066233614e-09},
      {-2.5, 150.0, 0.0067476610093474415},
      {-1.0, 150.0, 0.15946047724021345},
      {-0.1, 150.0, 0.46023892654498538},
      {0.0, 150.0, 0.5},
      {0.3, 150.0, 0.61770375280582046},
      {1.5, 150.0, 0.93214187211896438},
      {3.0, 150.0, 0.9984188616958386},
      {12.0, 150.0, 1},
      {1000.0, 150.0, 1},
  };
  for (const Case& c : cases) {
    CAPTURE(c.t);
    CAPTURE(c.df);
    CHECK_REL(student_t_cdf(c.t, c.df), c.expected, 1e-10);
    CHECK_REL(student_t_cdf(c.t, c.df) + student_t_cdf(-c.t, c.df), 1.0, 1e-14);
  }
  // Two-sided tail at t = -2.5, df = 4 is twice the scipy cdf.
  CHECK_REL(student_t_two_sided_tail(-2.5, 4.0), 2.0 * 0.033383272405994063, 1e-10);
  CHECK_REL(student_t_two_sided_tail(2.5, 4.0), 2.0 * 0.033383272405994063, 1e-10);

  CHECK(student_t_cdf(-INFINITY, 3.0) == 0.0);
  CHECK(student_t_cdf(INFINITY, 3.0) == 1.0);
  CHECK(std::isnan(student_t_cdf(NAN, 3.0)));
  CHECK(std::isnan(student_t_cdf(1.0, 0.0)));
  CHECK(std::isnan(student_t_cdf(1.0, -2.0)));
  CHECK(std::isnan(student_t_cdf(1.0, NAN)));
  // df = +inf is the standard normal: Phi(-1.96) = 0.024997895148220435 (scipy.stats.norm.cdf).
  CHECK_REL(student_t_cdf(-1.96, INFINITY), 0.024997895148220435, 1e-12);
  // I_x(a, b) for a = b = 1 is x.
  CHECK_REL(incomplete_beta(1.0, 1.0, 0.3), 0.3, 1e-14);
  CHECK(std::isnan(incomplete_beta(0.0, 1.0, 0.3)));
  CHECK(std::isnan(incomplete_beta(1.0, 1.0, 1.5)));
}

TEST_CASE("student_t_quantile matches an mpmath root to 1e-12 and scipy.stats.t.ppf to 1e-8") {
  // SciPy 1.10's t.ppf (Cephes stdtrit) is itself off by up to ~3e-9 relative, e.g.
  // ppf(0.9, 29) = 1.311433643950529 while the 50-digit root of the cdf is 1.3114336473015511,
  // so the tight reference is mpmath and SciPy is checked at the precision it has.
  struct Case {
    double p, df, scipy, mpmath;
  };
  // {p, df, scipy.stats.t.ppf(p, df), mpmath root of the cdf}
  const std::vector<Case> cases = {
      {1e-12, 1.0, -318309886183.79053, -318309886183.79065},
      {1e-06, 1.0, -318309.88618278794, -318309.88618274347},
      {0.001, 1.0, -318.3088389855422, -318.30883898555044},
      {0.025, 1.0, -12.706204736432102, -12.706204736174705},
      {0.1, 1.0, -3.0776835372078062, -3.0776835371752531},
      {0.4, 1.0, -0.32491969623407446, -0.32491969623290623},
      {0.6, 1.0, 0.32491969623407446, 0.32491969623290623},
      {0.9, 1.0, 3.0776835372078066, 3.077683537175254},
      {0.975, 1.0, 12.706204736432095, 12.706204736174694},
      {0.995, 1.0, 63.656741162873992, 63.656741162871526},
      {0.999999, 1.0, 318309.88617363467, 318309.88617359026},
      {1e-12, 2.0, -707106.78118548682, -707106.78118548682},
      {1e-06, 2.0, -707.10572052593511, -707.10572052593386},
      {0.001, 2.0, -22.32712476997543, -22.327124770119877},
      {0.025, 2.0, -4.3026527299112765, -4.3026527297494637},
      {0.1, 2.0, -1.88561808316415, -1.8856180831641267},
      {0.4, 2.0, -0.2886751346880066, -0.28867513459481281},
      {0.6, 2.0, 0.2886751346880066, 0.28867513459481281},
      {0.9, 2.0, 1.8856180831641507, 1.8856180831641269},
      {0.975, 2.0, 4.3026527299112747, 4.3026527297494619},
      {0.995, 2.0, 9.9248432009180707, 9.9248432009182892},
      {0.999999, 2.0, 707.10572051576833, 707.10572051576708},
      {1e-12, 4.0, -1316.0727465663726, -1316.0727465592565},
      {1e-06, 4.0, -41.577854150453575, -41.577854150450975},
      {0.001, 4.0, -7.1731822149177704, -7.1731822197823085},
      {0.025, 4.0, -2.7764451051977996, -2.7764451051977943},
      {0.1, 4.0, -1.5332062737131438, -1.5332062740589438},
      {0.4, 4.0, -0.27072229470594927, -0.27072229470759734},
      {0.6, 4.0, 0.27072229470594927, 0.27072229470759734},
      {0.9, 4.0, 1.533206273713144, 1.5332062740589441},
      {0.975, 4.0, 2.7764451051977987, 2.7764451051977934},
      {0.995, 4.0, 4.6040948714158967, 4.6040948713499921},
      {0.999999, 4.0, 41.577854150154117, 41.577854150151502},
      {1e-12, 9.0, -51.414916023282125, -51.414916023282231},
      {1e-06, 9.0, -10.720160409937254, -10.7201604099095},
      {0.001, 9.0, -4.2968056627301134, -4.296805662729918},
      {0.025, 9.0, -2.262157162740992, -2.2621571627982053},
      {0.1, 9.0, -1.3830287383964925, -1.3830287383966322},
      {0.4, 9.0, -0.26095533647391045, -0.26095533647391095},
      {0.6, 9.0, 0.26095533647391045, 0.26095533647391095},
      {0.9, 9.0, 1.3830287383964925, 1.3830287383966324},
      {0.975, 9.0, 2.2621571627409915, 2.2621571627982049},
      {0.995, 9.0, 3.2498355440153697, 3.2498355415921258},
      {0.999999, 9.0, 10.720160409900579, 10.720160409872825},
      {1e-12, 29.0, -11.613158011563455, -11.613158011561406},
      {1e-06, 29.0, -5.9171055404595911, -5.9171055404595618},
      {0.001, 29.0, -3.3962402883415166, -3.396240288356803},
      {0.025, 29.0, -2.0452296421327034, -2.0452296421327043},
      {0.1, 29.0, -1.3114336505076969, -1.3114336473015511},
      {0.4, 29.0, -0.25568363396713761, -0.25568363457125609},
      {0.6, 29.0, 0.25568363396713761, 0.25568363457125609},
      {0.9, 29.0, 1.311433643950529, 1.3114336473015511},
      {0.975, 29.0, 2.045229642132703, 2.0452296421327039},
      {0.995, 29.0, 2.7563859036703349, 2.7563859036706053},
      {0.999999, 29.0, 5.9171055404491311, 5.9171055404491026},
      {1e-12, 2.5, -55306.174075582807, -55306.174076515817},
      {1e-06, 2.5, -220.17342917823692, -220.17342917823686},
      {0.001, 2.5, -13.822193110834323, -13.822193110865964},
      {0.025, 2.5, -3.5746548420118782, -3.574654842003683},
      {0.1, 2.5, -1.7302509288071768, -1.7302509288071766},
      {0.4, 2.5, -0.28145951258663582, -0.28145951274854758},
      {0.6, 2.5, 0.28145951258663582, 0.28145951274854758},
      {0.9, 2.5, 1.730250928807177, 1.7302509288071768},
      {0.975, 2.5, 3.5746548420118773, 3.5746548420036817},
      {0.995, 2.5, 7.1637281340212402, 7.163728138948783},
      {0.999999, 2.5, 220.17342917570426, 220.17342917570426},
      {1e-12, 150.0, -7.6711447948311235, -7.6711447951920286},
      {1e-06, 150.0, -4.946939810266497, -4.9469398102665343},
      {0.001, 150.0, -3.1454525313581243, -3.1454525319823561},
      {0.025, 150.0, -1.9759053308869141, -1.9759053308966206},
      {0.1, 150.0, -1.2872209136140762, -1.2872209136149459},
      {0.4, 150.0, -0.25379692204017601, -0.25379692204033827},
      {0.6, 150.0, 0.25379692204017601, 0.25379692204033827},
      {0.9, 150.0, 1.2872209136140764, 1.2872209136149462},
      {0.975, 150.0, 1.9759053308869137, 1.9759053308966201},
      {0.995, 150.0, 2.6090025657536504, 2.6090025658655378},
      {0.999999, 150.0, 4.9469398102599822, 4.9469398102600177},
  };
  for (const Case& c : cases) {
    CAPTURE(c.p);
    CAPTURE(c.df);
    const double q = student_t_quantile(c.p, c.df);
    CHECK_REL(q, c.mpmath, 1e-12);
    CHECK_REL(q, c.scipy, 1e-8);
    CHECK_REL(student_t_cdf(q, c.df), c.p, 1e-12);
  }
  CHECK(student_t_quantile(0.5, 7.0) == 0.0);
  CHECK(student_t_quantile(0.0, 7.0) == -INFINITY);
  CHECK(student_t_quantile(1.0, 7.0) == INFINITY);
  CHECK(std::isnan(student_t_quantile(-0.1, 7.0)));
  CHECK(std::isnan(student_t_quantile(1.1, 7.0)));
  CHECK(std::isnan(student_t_quantile(NAN, 7.0)));
  CHECK(std::isnan(student_t_quantile(0.3, 0.0)));
  // scipy.stats.norm.ppf(0.975)
  CHECK_REL(student_t_quantile(0.975, INFINITY), 1.959963984540054, 1e-12);
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
