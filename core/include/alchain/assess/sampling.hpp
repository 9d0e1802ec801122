/// Torch-free samplers for operational assessment: every draw logs its inclusion probability.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace alchain::assess {

/// The sampling designs (docs/assessment.md).
enum class Design {
  srs,         ///< simple random sampling without replacement, n of N
  stratified,  ///< strata from quantiles of f, Neyman allocation on sqrt(f (1 - f)), >= 2 per stratum, SRS within
  poisson,     ///< independent Bernoulli(pi_i), pi_i mixing uniform (tau) and proportional to 1 - f (1 - tau)
  sequential,  ///< failure-seeking draws without replacement, each with its logged conditional probability
};
const char* to_string(Design d);
/// Parses "srs", "stratified", "poisson", "sequential"; throws std::invalid_argument otherwise.
Design design_from_string(const std::string& s);

struct SamplerOptions {
  Design design = Design::srs;
  std::int64_t budget = 100;  ///< n (poisson: the expected sample size); 1 <= budget <= N
  double tau = 0.3;           ///< poisson, sequential: weight of the uniform part, in [0, 1]
  int strata = 5;             ///< stratified: number of quantile strata of f (fewer when f has fewer distinct values);
                              ///< sequential: the bins of f whose failure rates it learns
  int min_per_stratum = 2;    ///< stratified
  std::uint64_t seed = 0;
};

/// A drawn sample. Positions index the window (0 .. N-1).
struct Sample {
  Design design = Design::srs;
  std::int64_t population = 0;          ///< N
  std::vector<std::int64_t> index;      ///< drawn positions, in draw order, distinct
  std::vector<double> inclusion;        ///< pi_i of each drawn position, its first-order inclusion probability
                                        ///< (srs, stratified, poisson); empty for sequential, whose are not known

  std::vector<double> draw_prob;        ///< sequential only: q_k, probability of the k-th draw given the past
  std::vector<int> stratum;             ///< stratified only: stratum of each drawn position
  std::vector<std::int64_t> stratum_size;    ///< stratified only: N_h
  std::vector<std::int64_t> stratum_sample;  ///< stratified only: n_h
};

/// Draws a sample of a window of N = f.size() units with pseudo-oracle scores f (in [0, 1];
/// higher = more likely correct). `label(i)` returns 1 if unit i's prediction is correct and 0
/// otherwise; only the sequential design calls it while drawing (to seek failures adaptively),
/// and only for units it has drawn. Throws std::invalid_argument on budget < 1 or > N, tau outside
/// [0, 1], or f outside [0, 1].
Sample draw_sample(const SamplerOptions& opt, const std::vector<double>& f,
                   const std::function<int(std::int64_t)>& label);

/// A design laid out on one window: everything that depends only on the options and f, so that
/// repeated draws from the same window (the simulation harness) do not redo it, and so that tests
/// can enumerate the design. draw_sample(opt, f, label) is draw_sample(prepare_design(opt, f),
/// opt.seed, label).
struct PreparedDesign {
  SamplerOptions options;
  std::int64_t population = 0;               ///< N
  /// stratified, sequential: the stratum (sequential: the bin) of every unit, 0 = lowest f.
  std::vector<int> stratum_of;
  std::vector<std::vector<std::int64_t>> members;  ///< stratified, sequential: the units of each stratum, ascending
  std::vector<std::int64_t> stratum_size;    ///< stratified, sequential: N_h
  std::vector<std::int64_t> stratum_sample;  ///< stratified: n_h (Neyman allocation)
  std::vector<double> prior_failure;         ///< sequential: prior mean failure rate of each bin, 1 - mean f
  std::vector<double> inclusion;             ///< poisson: pi_i of every unit (they sum to the budget)
};
/// Validates the options and f (as draw_sample) and lays the design out.
PreparedDesign prepare_design(const SamplerOptions& opt, const std::vector<double>& f);
/// Draws one sample of a prepared design with `seed` (opt.seed is not used).
Sample draw_sample(const PreparedDesign& d, std::uint64_t seed,
                   const std::function<int(std::int64_t)>& label);

/// Sequential design: q(i), the probability that the next draw takes unit i, for every unit of the
/// window, given the units drawn so far and their labels (0 for drawn units; the values sum to 1).
/// draw_sample logs exactly these values. Throws std::invalid_argument on a repeated or out-of-range
/// unit, a label other than 0/1, sizes that differ, or a design that is not sequential.
std::vector<double> sequential_probabilities(const PreparedDesign& d, const std::vector<std::int64_t>& drawn,
                                             const std::vector<int>& labels);

/// Strata from quantiles of f: at most `strata` groups of units contiguous in f, tied values always
/// in one group, groups smaller than `min_per_stratum` merged into a neighbour (while more than one
/// group is left). Returns the group of every unit, 0 = lowest f.
std::vector<int> quantile_strata(const std::vector<double>& f, int strata, int min_per_stratum);

}  // namespace alchain::assess
