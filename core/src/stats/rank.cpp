// Rank statistics: midranks, Spearman's rho, Kendall's tau-b (Knight's O(n log n)), pick overlap.
#include "alchain/stats/rank.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <numeric>
#include <stdexcept>
#include <string>

namespace alchain::stats {

namespace {

void check_pair(const std::vector<double>& a, const std::vector<double>& b, const char* who) {
  if (a.size() != b.size())
    throw std::invalid_argument(std::string(who) + ": sizes differ (" + std::to_string(a.size()) + " and " +
                                std::to_string(b.size()) + ")");
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::isnan(a[i]) || std::isnan(b[i])) throw std::invalid_argument(std::string(who) + ": a value is NaN");
}

/// Sum over groups of equal adjacent values of t (t - 1) / 2, for a sorted range.
template <class Equal>
double tied_pairs(std::size_t n, Equal equal) {
  double ties = 0;
  std::size_t run = 1;
  for (std::size_t i = 1; i <= n; ++i) {
    if (i < n && equal(i - 1, i)) {
      ++run;
    } else {
      ties += 0.5 * static_cast<double>(run) * static_cast<double>(run - 1);
      run = 1;
    }
  }
  return ties;
}

/// Stable merge sort of `v` that returns the number of inversions (pairs i < j with v[i] > v[j]).
double sort_counting_inversions(std::vector<double>& v) {
  std::vector<double> buf(v.size());
  double inversions = 0;
  for (std::size_t width = 1; width < v.size(); width *= 2) {
    for (std::size_t lo = 0; lo < v.size(); lo += 2 * width) {
      const std::size_t mid = std::min(lo + width, v.size()), hi = std::min(lo + 2 * width, v.size());
      std::size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {
          inversions += static_cast<double>(mid - i);
          buf[k++] = v[j++];
        } else {
          buf[k++] = v[i++];
        }
      }
      while (i < mid) buf[k++] = v[i++];
      while (j < hi) buf[k++] = v[j++];
    }
    v.swap(buf);
  }
  return inversions;
}

}  // namespace

std::vector<double> midranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return x[i] < x[j]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double mid = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = mid;
    i = j + 1;
  }
  return r;
}

double spearman_rho(const std::vector<double>& a, const std::vector<double>& b) {
  check_pair(a, b, "spearman_rho");
  const std::size_t n = a.size();
  if (n < 2) return NAN;
  const std::vector<double> ra = midranks(a), rb = midranks(b);
  const double mean = 0.5 * static_cast<double>(n + 1);  // the mean of any set of midranks
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double da = ra[i] - mean, db = rb[i] - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa == 0 || sbb == 0) return NAN;
  return std::max(-1.0, std::min(1.0, sab / std::sqrt(saa * sbb)));
}

double kendall_tau_b(const std::vector<double>& a, const std::vector<double>& b) {
  check_pair(a, b, "kendall_tau_b");
  const std::size_t n = a.size();
  if (n < 2) return NAN;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t i, std::size_t j) { return a[i] < a[j] || (a[i] == a[j] && b[i] < b[j]); });
  const double ties_a = tied_pairs(n, [&](std::size_t i, std::size_t j) { return a[order[i]] == a[order[j]]; });
  const double ties_ab = tied_pairs(
      n, [&](std::size_t i, std::size_t j) { return a[order[i]] == a[order[j]] && b[order[i]] == b[order[j]]; });
  // With pairs ordered by (a, b), every inversion of b is a discordant pair (pairs tied in a are
  // in ascending b, so they add none).
  std::vector<double> bs(n);
  for (std::size_t i = 0; i < n; ++i) bs[i] = b[order[i]];
  const double discordant = sort_counting_inversions(bs);
  const double ties_b = tied_pairs(n, [&](std::size_t i, std::size_t j) { return bs[i] == bs[j]; });
  const double n0 = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  const double denom_a = n0 - ties_a, denom_b = n0 - ties_b;
  if (denom_a <= 0 || denom_b <= 0) return NAN;
  const double concordant_minus_discordant = n0 - ties_a - ties_b + ties_ab - 2 * discordant;
  return std::max(-1.0, std::min(1.0, concordant_minus_discordant / std::sqrt(denom_a) / std::sqrt(denom_b)));
}

Overlap pick_overlap(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> sa(a), sb(b);
  std::sort(sa.begin(), sa.end());
  sa.erase(std::unique(sa.begin(), sa.end()), sa.end());
  std::sort(sb.begin(), sb.end());
  sb.erase(std::unique(sb.begin(), sb.end()), sb.end());
  std::vector<std::int64_t> common;
  std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(common));
  Overlap o;
  o.common = static_cast<std::int64_t>(common.size());
  const std::size_t uni = sa.size() + sb.size() - common.size();
  if (uni > 0) o.jaccard = static_cast<double>(common.size()) / static_cast<double>(uni);
  if (!sb.empty()) o.of_b = static_cast<double>(common.size()) / static_cast<double>(sb.size());
  return o;
}

ScoreSummary summarize_scores(const std::vector<double>& scores, const std::vector<double>& edges) {
  if (edges.size() < 2) throw std::invalid_argument("summarize_scores: needs at least 2 bin edges");
  ScoreSummary s;
  s.n = scores.size();
  s.hist.assign(edges.size() - 1, 0.0);
  if (scores.empty()) return s;
  std::vector<double> v(scores);
  double sum = 0;
  for (double x : v) {
    if (std::isnan(x)) throw std::invalid_argument("summarize_scores: a score is NaN");
    sum += x;
  }
  s.mean = sum / static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  std::sort(v.begin(), v.end(), std::greater<double>());
  s.top10 = v[std::max<std::size_t>(1, v.size() / 10) - 1];
  for (double x : v) {
    // upper_bound: the first edge above x; bin = that index - 1, clamped to the bins.
    const auto it = std::upper_bound(edges.begin(), edges.end(), x);
    const std::ptrdiff_t bin = std::distance(edges.begin(), it) - 1;
    s.hist[static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(bin, 0, static_cast<std::ptrdiff_t>(s.hist.size()) - 1))] += 1;
  }
  return s;
}

}  // namespace alchain::stats
