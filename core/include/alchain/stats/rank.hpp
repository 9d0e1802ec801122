/// Torch-free rank statistics for comparing two models' scores of the same pool: midranks,
/// Spearman's rho, Kendall's tau-b, and the overlap of two pick sets.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace alchain::stats {

/// Returns 1-based ranks of `x` with tied values given the mean of their ranks (midranks).
std::vector<double> midranks(const std::vector<double>& x);

/// Returns Spearman's rank correlation: Pearson's correlation of the midranks (as
/// scipy.stats.spearmanr). Returns NaN when n < 2 or either side is constant. Throws
/// std::invalid_argument when the sizes differ or a value is NaN.
double spearman_rho(const std::vector<double>& a, const std::vector<double>& b);

/// Returns Kendall's tau-b, (concordant - discordant) / sqrt((n0 - ties_a) (n0 - ties_b)) with
/// n0 = n (n - 1) / 2 (as scipy.stats.kendalltau), in O(n log n) (Knight's algorithm). Returns NaN
/// when n < 2 or either side is constant. Throws like spearman_rho.
double kendall_tau_b(const std::vector<double>& a, const std::vector<double>& b);

/// How two pick sets of one pool overlap.
struct Overlap {
  std::int64_t common = 0;  ///< |A ∩ B|
  double jaccard = NAN;     ///< |A ∩ B| / |A ∪ B|; NaN when both are empty
  double of_b = NAN;        ///< |A ∩ B| / |B|: the share of B's own picks that A also picks; NaN when B is empty
};

/// Returns the overlap of the ID sets `a` and `b` (duplicates within a set count once).
Overlap pick_overlap(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b);

/// The spread of one model's scores over a pool (the entropy-spread study).
struct ScoreSummary {
  std::size_t n = 0;
  double mean = NAN, sd = NAN;  ///< sd: sample sd (n - 1)
  double top10 = NAN;           ///< the lowest score among the top 10 % (the top max(1, n / 10) scores)
  std::vector<double> hist;     ///< counts per bin of `edges` (bins [e_i, e_i+1), the last one closed)
};

/// Returns the summary of `scores` with a histogram over `edges` (ascending, at least 2; scores
/// outside them are clamped into the first or last bin). Throws std::invalid_argument on a NaN
/// score or fewer than 2 edges.
ScoreSummary summarize_scores(const std::vector<double>& scores, const std::vector<double>& edges);

}  // namespace alchain::stats
