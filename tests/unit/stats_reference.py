# Prints SciPy/statsmodels reference values for tests/unit/test_stats.cpp.
# Development-time generator; its output is pasted into test_stats.cpp; not run by the tests.
# Run with Debian's interpreter: /usr/bin/python3 tests/unit/stats_reference.py
# (Debian packages python3-scipy, python3-statsmodels, python3-mpmath).
import math
import warnings

import mpmath as mp
import numpy as np
import scipy
import scipy.stats as st
import statsmodels
from statsmodels.stats.multitest import multipletests

warnings.simplefilter("error")  # an approximation fallback in SciPy must not slip in silently


def g(x):
    if isinstance(x, float) and math.isnan(x):
        return "NAN"
    return "%.17g" % x


# SciPy 1.10's t.ppf (Cephes stdtrit) is off by up to ~3e-9 relative (e.g. ppf(0.9, 29)), so
# quantiles also come from mpmath at 50 digits: the root of the regularized incomplete beta.
mp.mp.dps = 50


def mp_t_cdf(t, df):
    t, df = mp.mpf(t), mp.mpf(df)
    tail = mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
    return 1 - tail if t > 0 else tail


def mp_t_ppf(p, df):
    return float(mp.findroot(lambda t: mp_t_cdf(t, df) - mp.mpf(p), st.t.ppf(p, df), tol=mp.mpf(10) ** -40))


def lit(x):
    """Shortest literal that reads back as the same double (inputs)."""
    return "NAN" if math.isnan(x) else repr(float(x))


def vec(xs, fmt=lit):
    return "{" + ", ".join(fmt(float(x)) for x in xs) + "}"


print("// SciPy %s, NumPy %s, statsmodels %s" % (scipy.__version__, np.__version__, statsmodels.__version__))

print("\n// describe: {x, mean, sd (ddof=1)}")
for x in [[3.5, 7.25], [1, 2, 3, 4], [0.81, 0.79, 0.835, 0.802, 0.818], [-1.5, 2.25, 1e3, -7.125, 0.001, 42]]:
    a = np.array(x, dtype=float)
    print("{%s, %s, %s}," % (vec(a), g(a.mean()), g(a.std(ddof=1))))

print("\n// student t cdf: {t, df, scipy.stats.t.cdf(t, df)}")
for df in [1, 2, 4, 9, 29, 2.5, 150]:
    for t in [-1e6, -50, -6, -2.5, -1, -0.1, 0, 0.3, 1.5, 3, 12, 1e3]:
        print("{%s, %s, %s}," % (lit(t), lit(df), g(st.t.cdf(t, df))))

print("\n// student t quantile: {p, df, scipy.stats.t.ppf(p, df), mpmath root of the cdf}")
for df in [1, 2, 4, 9, 29, 2.5, 150]:
    for p in [1e-12, 1e-6, 0.001, 0.025, 0.1, 0.4, 0.6, 0.9, 0.975, 0.995, 0.999999]:
        print("{%s, %s, %s, %s}," % (lit(p), lit(df), g(st.t.ppf(p, df)), g(mp_t_ppf(p, df))))

print("\n// t_interval: {x, level, lo, hi from scipy.stats.t.interval(level, n-1, mean, sem),")
print("//              lo, hi as mean -/+ mpmath quantile * scipy.stats.sem}")
for x, level in [([0.8, 0.84], 0.95), ([1.0, 2.5, 2.0], 0.95), ([0.81, 0.79, 0.835, 0.802, 0.818], 0.95),
                 ([0.81, 0.79, 0.835, 0.802, 0.818], 0.90),
                 ([3.1, -0.4, 2.2, 0.9, 1.7, 2.8, -1.3, 0.5, 1.1, 2.05], 0.95),
                 ([3.1, -0.4, 2.2, 0.9, 1.7, 2.8, -1.3, 0.5, 1.1, 2.05], 0.99)]:
    a = np.array(x)
    lo, hi = st.t.interval(level, len(a) - 1, loc=a.mean(), scale=st.sem(a))
    half = mp_t_ppf((1 + level) / 2, len(a) - 1) * st.sem(a)
    print("{%s, %s, %s, %s, %s, %s}," % (vec(a), lit(level), g(lo), g(hi), g(a.mean() - half), g(a.mean() + half)))

print("\n// paired t: {diff, scipy.stats.ttest_1samp(diff, 0).pvalue}")
for d in [[1.0, 3.0], [0.5, -0.2, 0.3, 0.1, 0.4], [0.012, -0.004, 0.021, 0.008, 0.015, -0.001, 0.019, 0.006, 0.011, 0.003],
          [1.0, 1.1, 0.9, 1.05, 0.95, 1.02], [-0.3, 0.2, -0.1, 0.4, -0.2, 0.1, -0.4, 0.3]]:
    print("{%s, %s}," % (vec(d), g(st.ttest_1samp(d, 0.0).pvalue)))
rng = np.random.default_rng(20240607)
d30 = np.round(rng.normal(0.004, 0.01, 30), 4)
print("{%s, %s}," % (vec(d30), g(st.ttest_1samp(d30, 0.0).pvalue)))

print("\n// wilcoxon, tie- and zero-free: {diff, scipy.stats.wilcoxon(diff, method='exact', zero_method='wilcox').pvalue}")
rng = np.random.default_rng(7)
cases = [[0.5, 1.25, 2.0], [-0.3, -0.1, -0.7, -0.2, -0.9, -0.05]]
for n in range(3, 13):
    while True:
        d = np.round(rng.normal(0.3, 1.0, n), 3)
        if np.all(d != 0) and len(set(np.abs(d))) == n:
            break
    cases.append(list(d))
cases.append(list(np.arange(1, 13) * 0.125))  # n = 12, all positive
for d in cases:
    p = st.wilcoxon(d, method="exact", zero_method="wilcox").pvalue
    print("{%s, %s}," % (vec(d), g(p)))

print("\n// wilcoxon with zeros: SciPy 1.10 leaves exact mode when zeros are present, so the reference")
print("// is the exact p-value of the same vector with its zeros removed (what zero_method='wilcox' means)")
d = [0.0, 1.5, -2.25, 3.0, 0.0, 4.5, 5.75, -0.5]
nz = [v for v in d if v != 0]
print("{%s, %s}," % (vec(d), g(st.wilcoxon(nz, method="exact").pvalue)))

print("\n// binomtest: {k, n, p, scipy.stats.binomtest(k, n, p).pvalue}")
for k, n, p in [(0, 10, 0.5), (10, 10, 0.5), (25, 28, 0.5), (3, 28, 0.5), (14, 28, 0.5), (7, 20, 0.5), (1, 1, 0.5),
                (0, 1, 0.5), (5, 9, 0.3), (3, 10, 0.1), (50, 100, 0.5), (40, 100, 0.5), (480, 1000, 0.47),
                (0, 5, 0.2), (2, 5, 0.4), (6, 6, 0.5), (1, 7, 0.5)]:
    print("{%d, %d, %s, %s}," % (k, n, lit(p), g(st.binomtest(k, n, p).pvalue)))

print("\n// holm: {p, statsmodels multipletests(p, method='holm')[1]}; NaN entries are removed before")
print("// the call (statsmodels does not accept them) and put back as NaN")
for p in [[0.01, 0.04, 0.03, 0.005, 0.2], [0.5, 0.6, 0.9], [0.02, float("nan"), 0.01, 0.04],
          [0.01, 0.01, 0.03], [0.001], [0.3, 0.0001, 0.012, 0.049, 0.02, 0.0125]]:
    a = np.array(p)
    ok = ~np.isnan(a)
    out = np.full(len(a), np.nan)
    out[ok] = multipletests(a[ok], method="holm")[1]
    print("{%s, %s}," % (vec(a), vec(out, g)))

print("\n// compare_paired: a, b, then ttest_rel(a, b).pvalue, wilcoxon exact on the non-zero diffs,")
print("// mean -/+ mpmath t quantile(0.975, n-1) * sem of the diffs")
a = np.array([0.812, 0.797, 0.831, 0.805, 0.820, 0.790, 0.826, 0.815])
b = np.array([0.801, 0.799, 0.812, 0.805, 0.806, 0.7845, 0.818, 0.7935])
diff = a - b
nz = diff[diff != 0]
assert len(set(np.abs(nz))) == len(nz)
half = mp_t_ppf(0.975, len(diff) - 1) * st.sem(diff)
lo, hi = diff.mean() - half, diff.mean() + half
print("a %s\nb %s\nmean %s sd %s t_p %s wilcoxon_p %s lo %s hi %s wins %d losses %d ties %d" % (
    vec(a), vec(b), g(diff.mean()), g(diff.std(ddof=1)), g(st.ttest_rel(a, b).pvalue),
    g(st.wilcoxon(nz, method="exact").pvalue), g(lo), g(hi), np.sum(a > b), np.sum(a < b), np.sum(a == b)))
