// Samplers for operational assessment (SRS, Neyman-stratified, Poisson, failure-seeking sequential),
// each logging the inclusion probabilities its estimators need.
#include "alchain/assess/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "alchain/sdk/rng.hpp"
#include "alchain/util/format.hpp"

namespace alchain::assess {
namespace {

// The weight of a unit in the failure-seeking designs never drops below this, so every unit keeps a
// positive probability even with tau = 0 (an estimator needs pi > 0 for every unit to be unbiased).
constexpr double kWeightFloor = 1e-3;
// Pseudo-observations of the Beta prior on each sequential bin's failure rate.
constexpr double kPriorStrength = 10.0;

std::string num(double v) { return format("%.17g", v); }

void validate(const SamplerOptions& opt, const std::vector<double>& f) {
  const auto N = static_cast<std::int64_t>(f.size());
  if (opt.budget < 1 || opt.budget > N)
    throw std::invalid_argument("draw_sample: budget " + std::to_string(opt.budget) + " is outside 1.." +
                                std::to_string(N) + " (the window has N = " + std::to_string(N) + " units)");
  if (!(opt.tau >= 0.0 && opt.tau <= 1.0))
    throw std::invalid_argument("draw_sample: tau = " + num(opt.tau) + ", allowed: 0 <= tau <= 1");
  if (opt.strata < 1)
    throw std::invalid_argument("draw_sample: strata = " + std::to_string(opt.strata) + ", allowed: >= 1");
  if (opt.min_per_stratum < 1)
    throw std::invalid_argument("draw_sample: min_per_stratum = " + std::to_string(opt.min_per_stratum) +
                                ", allowed: >= 1");
  for (std::size_t i = 0; i < f.size(); ++i)
    if (!(f[i] >= 0.0 && f[i] <= 1.0))  // also rejects NaN
      throw std::invalid_argument("draw_sample: f[" + std::to_string(i) + "] = " + num(f[i]) +
                                  ", allowed: finite values in [0, 1]");
}

std::vector<std::vector<std::int64_t>> group_members(const std::vector<int>& of, int groups) {
  std::vector<std::vector<std::int64_t>> m(static_cast<std::size_t>(groups));
  for (std::size_t i = 0; i < of.size(); ++i) m[static_cast<std::size_t>(of[i])].push_back(static_cast<std::int64_t>(i));
  return m;
}

double group_mean_f(const std::vector<std::int64_t>& members, const std::vector<double>& f) {
  double s = 0.0;
  for (auto i : members) s += f[static_cast<std::size_t>(i)];
  return s / static_cast<double>(members.size());
}

// n_h = clamp(c N_h S_h, lower_h, N_h) with c such that the sum is n, then largest-remainder
// rounding. S_h is floored at a tiny positive value so that strata with S_h = 0 only take their
// minimum unless the budget needs them, and all-zero S_h gives proportional allocation.
std::vector<std::int64_t> neyman_allocation(const std::vector<std::int64_t>& size, const std::vector<double>& sd,
                                            std::int64_t n, int min_per_stratum) {
  const std::size_t H = size.size();
  std::vector<double> a(H), lower(H), cap(H);
  for (std::size_t h = 0; h < H; ++h) {
    a[h] = static_cast<double>(size[h]) * std::max(sd[h], 1e-9);
    lower[h] = static_cast<double>(std::min<std::int64_t>(min_per_stratum, size[h]));
    cap[h] = static_cast<double>(size[h]);
  }
  const double target = static_cast<double>(n);
  auto total = [&](double c) {
    double t = 0.0;
    for (std::size_t h = 0; h < H; ++h) t += std::clamp(c * a[h], lower[h], cap[h]);
    return t;
  };
  double lo = 0.0, hi = 1.0;
  while (total(hi) < target) hi *= 2.0;
  for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (total(mid) < target) lo = mid; else hi = mid;
  }
  std::vector<double> x(H);
  std::vector<std::int64_t> out(H);
  std::int64_t sum = 0;
  for (std::size_t h = 0; h < H; ++h) {
    x[h] = std::clamp(hi * a[h], lower[h], cap[h]);
    out[h] = static_cast<std::int64_t>(std::floor(x[h]));
    sum += out[h];
  }
  // Largest remainders first; the same rule removes units should rounding have overshot.
  while (sum < n) {
    std::size_t best = H;
    for (std::size_t h = 0; h < H; ++h)
      if (out[h] < size[h] && (best == H || x[h] - out[h] > x[best] - out[best])) best = h;
    ++out[best];
    ++sum;
  }
  while (sum > n) {
    std::size_t best = H;
    for (std::size_t h = 0; h < H; ++h)
      if (out[h] > lower[h] && (best == H || out[h] - x[h] > out[best] - x[best])) best = h;
    --out[best];
    --sum;
  }
  return out;
}

// Poisson inclusion probabilities: a tau mix of uniform and proportional to 1 - f (+ floor), capped
// at 1 with the excess spread proportionally over the uncapped units until none exceeds 1.
std::vector<double> poisson_inclusion(const SamplerOptions& opt, const std::vector<double>& f) {
  const std::size_t N = f.size();
  const double n = static_cast<double>(opt.budget);
  double W = 0.0;
  for (double v : f) W += 1.0 - v + kWeightFloor;  // > 0 thanks to the floor
  std::vector<double> pi(N);
  for (std::size_t i = 0; i < N; ++i)
    pi[i] = opt.tau * n / static_cast<double>(N) + (1.0 - opt.tau) * n * (1.0 - f[i] + kWeightFloor) / W;
  std::vector<char> capped(N, 0);
  std::size_t n_capped = 0;
  for (;;) {
    bool over = false;
    for (std::size_t i = 0; i < N; ++i)
      if (!capped[i] && pi[i] >= 1.0) {
        capped[i] = 1;
        pi[i] = 1.0;
        ++n_capped;
        over = true;
      }
    if (!over || n_capped == N) break;
    double free_sum = 0.0;
    for (std::size_t i = 0; i < N; ++i)
      if (!capped[i]) free_sum += pi[i];
    const double scale = (n - static_cast<double>(n_capped)) / free_sum;
    for (std::size_t i = 0; i < N; ++i)
      if (!capped[i]) pi[i] *= scale;
  }
  return pi;
}

// The failure-seeking sequential design's state after some draws: for each bin, the units left and
// the failures seen. All remaining units of a bin share one probability, so a draw picks a bin and
// then a unit uniformly within it.
struct SequentialState {
  const PreparedDesign& d;
  std::vector<std::int64_t> left, drawn, failures;

  explicit SequentialState(const PreparedDesign& design)
      : d(design), left(design.stratum_size), drawn(left.size(), 0), failures(left.size(), 0) {}

  // Posterior mean failure rate of bin b, Beta(s (1 - fbar), s fbar) prior, floored.
  double weight(std::size_t b) const {
    const double p = d.prior_failure[b];
    const double post = (kPriorStrength * p + static_cast<double>(failures[b])) /
                        (kPriorStrength + static_cast<double>(drawn[b]));
    return std::max(post, kWeightFloor);
  }
  // q for one unit of each bin (0 for empty bins).
  std::vector<double> unit_prob() const {
    const std::size_t H = left.size();
    double R = 0.0, W = 0.0;
    for (std::size_t b = 0; b < H; ++b) {
      R += static_cast<double>(left[b]);
      W += static_cast<double>(left[b]) * weight(b);
    }
    const double tau = d.options.tau;
    std::vector<double> q(H, 0.0);
    for (std::size_t b = 0; b < H; ++b)
      if (left[b] > 0) q[b] = tau / R + (1.0 - tau) * weight(b) / W;
    return q;
  }
  void observe(std::size_t b, int y) {
    --left[b];
    ++drawn[b];
    if (y == 0) ++failures[b];
  }
};

int checked_label(const std::function<int(std::int64_t)>& label, std::int64_t i) {
  const int y = label(i);
  if (y != 0 && y != 1)
    throw std::invalid_argument("draw_sample: label(" + std::to_string(i) + ") returned " + std::to_string(y) +
                                ", allowed: 0 (wrong) or 1 (correct)");
  return y;
}

}  // namespace

const char* to_string(Design d) {
  switch (d) {
    case Design::srs: return "srs";
    case Design::stratified: return "stratified";
    case Design::poisson: return "poisson";
    case Design::sequential: return "sequential";
  }
  return "?";
}

Design design_from_string(const std::string& s) {
  for (Design d : {Design::srs, Design::stratified, Design::poisson, Design::sequential})
    if (s == to_string(d)) return d;
  throw std::invalid_argument("unknown sampling design '" + s + "' (available: poisson, sequential, srs, stratified)");
}

std::vector<int> quantile_strata(const std::vector<double>& f, int strata, int min_per_stratum) {
  const std::size_t N = f.size();
  std::vector<int> of(N, 0);
  if (N == 0 || strata <= 1) return of;
  std::vector<std::size_t> order(N);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return f[a] < f[b]; });
  // Boundaries are positions p in 1..N-1 of the sorted order with f rising at p (ties never split);
  // each quantile cut takes the nearest such boundary.
  std::vector<std::size_t> valid;
  for (std::size_t p = 1; p < N; ++p)
    if (f[order[p - 1]] < f[order[p]]) valid.push_back(p);
  std::vector<std::size_t> cuts;
  if (!valid.empty())
    for (int h = 1; h < strata; ++h) {
      const double target = static_cast<double>(h) * static_cast<double>(N) / strata;
      // The nearest boundary at or after the cut, or the one before it when that is strictly nearer.
      const auto it = std::lower_bound(valid.begin(), valid.end(), static_cast<std::size_t>(std::ceil(target)));
      std::size_t best = it == valid.end() ? valid.back() : *it;
      if (it != valid.begin() && it != valid.end() &&
          target - static_cast<double>(*(it - 1)) < static_cast<double>(*it) - target)
        best = *(it - 1);
      cuts.push_back(best);
    }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  // Group g covers sorted positions [start[g], start[g + 1]).
  std::vector<std::size_t> start{0};
  start.insert(start.end(), cuts.begin(), cuts.end());
  start.push_back(N);
  auto size_of = [&](std::size_t g) { return start[g + 1] - start[g]; };
  const auto m = static_cast<std::size_t>(std::max(min_per_stratum, 1));
  while (start.size() > 2) {
    std::size_t smallest = 0;
    for (std::size_t g = 1; g + 1 < start.size(); ++g)
      if (size_of(g) < size_of(smallest)) smallest = g;
    if (size_of(smallest) >= m) break;
    const std::size_t groups = start.size() - 1;
    // Merge into the smaller neighbour (the left one on a tie): drop the boundary between them.
    bool left = smallest > 0 && (smallest + 1 == groups || size_of(smallest - 1) <= size_of(smallest + 1));
    start.erase(start.begin() + static_cast<std::ptrdiff_t>(left ? smallest : smallest + 1));
  }
  for (std::size_t g = 0; g + 1 < start.size(); ++g)
    for (std::size_t p = start[g]; p < start[g + 1]; ++p) of[order[p]] = static_cast<int>(g);
  return of;
}

PreparedDesign prepare_design(const SamplerOptions& opt, const std::vector<double>& f) {
  validate(opt, f);
  PreparedDesign d;
  d.options = opt;
  d.population = static_cast<std::int64_t>(f.size());
  if (opt.design == Design::stratified || opt.design == Design::sequential) {
    int H = opt.strata;
    // Stratified: each stratum takes at least min_per_stratum labels, so the budget bounds H.
    if (opt.design == Design::stratified)
      H = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(H, opt.budget / opt.min_per_stratum)));
    d.stratum_of = quantile_strata(f, H, opt.min_per_stratum);
    const int groups = *std::max_element(d.stratum_of.begin(), d.stratum_of.end()) + 1;
    d.members = group_members(d.stratum_of, groups);
    std::vector<double> mean(static_cast<std::size_t>(groups));
    for (int h = 0; h < groups; ++h) {
      const auto& mem = d.members[static_cast<std::size_t>(h)];
      d.stratum_size.push_back(static_cast<std::int64_t>(mem.size()));
      mean[static_cast<std::size_t>(h)] = group_mean_f(mem, f);
    }
    if (opt.design == Design::stratified) {
      std::vector<double> sd(mean.size());
      for (std::size_t h = 0; h < mean.size(); ++h) sd[h] = std::sqrt(mean[h] * (1.0 - mean[h]));
      d.stratum_sample = neyman_allocation(d.stratum_size, sd, opt.budget, opt.min_per_stratum);
    } else {
      for (double m : mean) d.prior_failure.push_back(1.0 - m);
    }
  } else if (opt.design == Design::poisson) {
    d.inclusion = poisson_inclusion(opt, f);
  }
  return d;
}

Sample draw_sample(const PreparedDesign& d, std::uint64_t seed, const std::function<int(std::int64_t)>& label) {
  const SamplerOptions& opt = d.options;
  const std::int64_t N = d.population;
  Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(opt.design)}));
  Sample s;
  s.design = opt.design;
  s.population = N;
  switch (opt.design) {
    case Design::srs: {
      std::vector<std::int64_t> all(static_cast<std::size_t>(N));
      std::iota(all.begin(), all.end(), std::int64_t{0});
      const auto n = static_cast<std::size_t>(opt.budget);
      rng.shuffle_prefix(all, n);
      s.index.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
      s.inclusion.assign(n, static_cast<double>(opt.budget) / static_cast<double>(N));
      break;
    }
    case Design::stratified: {
      s.stratum_size = d.stratum_size;
      s.stratum_sample = d.stratum_sample;
      for (std::size_t h = 0; h < d.members.size(); ++h) {
        std::vector<std::int64_t> mem = d.members[h];
        const auto nh = static_cast<std::size_t>(d.stratum_sample[h]);
        rng.shuffle_prefix(mem, nh);
        const double pi = static_cast<double>(d.stratum_sample[h]) / static_cast<double>(d.stratum_size[h]);
        for (std::size_t j = 0; j < nh; ++j) {
          s.index.push_back(mem[j]);
          s.inclusion.push_back(pi);
          s.stratum.push_back(static_cast<int>(h));
        }
      }
      break;
    }
    case Design::poisson: {
      for (std::int64_t i = 0; i < N; ++i) {
        const double pi = d.inclusion[static_cast<std::size_t>(i)];
        if (rng.uniform01() < pi) {
          s.index.push_back(i);
          s.inclusion.push_back(pi);
        }
      }
      break;
    }
    case Design::sequential: {
      if (!label) throw std::invalid_argument("draw_sample: the sequential design needs a label function");
      SequentialState st(d);
      std::vector<std::vector<std::int64_t>> left = d.members;
      const std::size_t H = left.size();
      for (std::int64_t k = 0; k < opt.budget; ++k) {
        const std::vector<double> q = st.unit_prob();
        double total = 0.0;
        for (std::size_t b = 0; b < H; ++b) total += static_cast<double>(st.left[b]) * q[b];
        const double u = rng.uniform01() * total;
        std::size_t b = H;
        double acc = 0.0;
        for (std::size_t g = 0; g < H; ++g) {
          if (st.left[g] == 0) continue;
          b = g;  // the last non-empty bin takes what rounding leaves over
          acc += static_cast<double>(st.left[g]) * q[g];
          if (u < acc) break;
        }
        auto& pool = left[b];
        const auto j = static_cast<std::size_t>(rng.uniform(pool.size()));
        const std::int64_t i = pool[j];
        pool[j] = pool.back();
        pool.pop_back();
        s.index.push_back(i);
        s.draw_prob.push_back(q[b]);  // a conditional draw probability, not an inclusion probability
        st.observe(b, checked_label(label, i));
      }
      break;
    }
  }
  return s;
}

Sample draw_sample(const SamplerOptions& opt, const std::vector<double>& f,
                   const std::function<int(std::int64_t)>& label) {
  return draw_sample(prepare_design(opt, f), opt.seed, label);
}

std::vector<double> sequential_probabilities(const PreparedDesign& d, const std::vector<std::int64_t>& drawn,
                                             const std::vector<int>& labels) {
  if (d.options.design != Design::sequential)
    throw std::invalid_argument(std::string("sequential_probabilities: the design is '") + to_string(d.options.design) +
                                "', not 'sequential'");
  if (drawn.size() != labels.size())
    throw std::invalid_argument("sequential_probabilities: " + std::to_string(drawn.size()) + " units but " +
                                std::to_string(labels.size()) + " labels");
  SequentialState st(d);
  std::vector<char> taken(static_cast<std::size_t>(d.population), 0);
  for (std::size_t k = 0; k < drawn.size(); ++k) {
    const std::int64_t i = drawn[k];
    if (i < 0 || i >= d.population || taken[static_cast<std::size_t>(i)])
      throw std::invalid_argument("sequential_probabilities: unit " + std::to_string(i) +
                                  " is out of range or drawn twice");
    if (labels[k] != 0 && labels[k] != 1)
      throw std::invalid_argument("sequential_probabilities: label " + std::to_string(labels[k]) + ", allowed: 0 or 1");
    taken[static_cast<std::size_t>(i)] = 1;
    st.observe(static_cast<std::size_t>(d.stratum_of[static_cast<std::size_t>(i)]), labels[k]);
  }
  const std::vector<double> q = st.unit_prob();
  std::vector<double> out(static_cast<std::size_t>(d.population), 0.0);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (!taken[i]) out[i] = q[static_cast<std::size_t>(d.stratum_of[i])];
  return out;
}

}  // namespace alchain::assess
