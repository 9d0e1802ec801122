// Simulated windows (calibrated, overconfident, useless and shifted pseudo-oracles) and
// repeated-sampling studies of every compatible (design, estimator) pair on them.
#include "alchain/assess/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "alchain/sdk/rng.hpp"
#include "alchain/util/format.hpp"

namespace alchain::assess {
namespace {

constexpr double kSpread = 1.5;  // sd of the score's logit
constexpr double kShift = 1.0;   // shifted regime: how far below the score the true logit lies
constexpr double kTwoPi = 6.283185307179586476925;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Box-Muller on Rng::uniform01, so a seed gives the same pool with any standard library.
double std_normal(Rng& rng) {
  const double u1 = 1.0 - rng.uniform01();  // (0, 1]
  const double u2 = rng.uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

// The mu with mean_i prob(mu, z_i) == target, by bisection (prob increases with mu).
template <class Prob>
double solve_mu(const std::vector<double>& z, double target, Prob prob) {
  double lo = -30.0, hi = 30.0;
  for (int it = 0; it < 200 && hi - lo > 1e-13; ++it) {
    const double mid = 0.5 * (lo + hi);
    double m = 0.0;
    for (double v : z) m += prob(mid, v);
    m /= static_cast<double>(z.size());
    if (m < target) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const std::vector<std::pair<Design, Estimator>>& pairs() {
  static const std::vector<std::pair<Design, Estimator>> p = {
      {Design::srs, Estimator::srs_wilson},         {Design::srs, Estimator::srs_clopper_pearson},
      {Design::srs, Estimator::ppi},                {Design::stratified, Estimator::stratified},
      {Design::poisson, Estimator::horvitz_thompson}, {Design::sequential, Estimator::hansen_hurwitz},
  };
  return p;
}

}  // namespace

const char* to_string(Regime r) {
  switch (r) {
    case Regime::calibrated: return "calibrated";
    case Regime::overconfident: return "overconfident";
    case Regime::useless: return "useless";
    case Regime::shifted: return "shifted";
  }
  return "?";
}

Pool make_pool(Regime r, std::int64_t N, double accuracy, std::uint64_t seed) {
  if (N < 1) throw std::invalid_argument("make_pool: N = " + std::to_string(N) + ", allowed: N >= 1");
  if (!(accuracy > 0.0 && accuracy < 1.0))
    throw std::invalid_argument("make_pool: accuracy = " + std::to_string(accuracy) + ", allowed: 0 < accuracy < 1");
  Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(r)}));
  const auto n = static_cast<std::size_t>(N);
  Pool pool;
  pool.f.resize(n);
  pool.y.resize(n);
  std::vector<double> p(n);
  if (r == Regime::useless) {
    for (std::size_t i = 0; i < n; ++i) {
      pool.f[i] = rng.uniform01();
      p[i] = accuracy;
    }
  } else {
    std::vector<double> z(n);
    for (auto& v : z) v = std_normal(rng);
    double mu = 0.0;
    switch (r) {
      case Regime::calibrated:
        mu = solve_mu(z, accuracy, [](double m, double v) { return sigmoid(m + kSpread * v); });
        break;
      case Regime::overconfident:
        mu = solve_mu(z, accuracy, [](double m, double v) {
          const double c = sigmoid(m + kSpread * v);
          return c * c;
        });
        break;
      default:  // shifted
        mu = solve_mu(z, accuracy, [](double m, double v) { return sigmoid(m - kShift + kSpread * v); });
        break;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double s = sigmoid(mu + kSpread * z[i]);
      pool.f[i] = s;
      p[i] = r == Regime::calibrated ? s : r == Regime::overconfident ? s * s : sigmoid(mu - kShift + kSpread * z[i]);
    }
  }
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    pool.y[i] = rng.uniform01() < p[i] ? 1 : 0;
    correct += pool.y[i];
  }
  pool.accuracy = static_cast<double>(correct) / static_cast<double>(N);
  return pool;
}

SimResult simulate(const SimConfig& c) {
  if (!compatible(c.estimator, c.design))
    throw std::invalid_argument(std::string("simulate: estimator '") + to_string(c.estimator) + "' cannot use design '" +
                                to_string(c.design) + "' (compatible designs: " + compatible_designs(c.estimator) + ")");
  if (c.draws < 1) throw std::invalid_argument("simulate: draws = " + std::to_string(c.draws) + ", allowed: >= 1");
  const auto t0 = std::chrono::steady_clock::now();
  const Pool pool = make_pool(c.regime, c.N, c.accuracy, c.seed);
  SamplerOptions opt;
  opt.design = c.design;
  opt.budget = c.n;
  opt.tau = c.tau;
  opt.strata = c.strata;
  const PreparedDesign prepared = prepare_design(opt, pool.f);
  const auto label = [&](std::int64_t i) { return pool.y[static_cast<std::size_t>(i)]; };

  SimResult r;
  r.config = c;
  r.truth = pool.accuracy;
  r.online = online_estimate(pool.f);
  double covered = 0, err = 0, sq = 0, width = 0, se2 = 0, neff = 0, lambda = 0, labels = 0, failures = 0;
  std::vector<int> y;
  for (int d = 0; d < c.draws; ++d) {
    // The sample depends on the draw only, so every estimator of one design sees the same samples.
    const Sample s = draw_sample(prepared, derive_seed(c.seed, {0x5a3b1e, static_cast<std::uint64_t>(d)}), label);
    y.clear();
    for (auto i : s.index) y.push_back(pool.y[static_cast<std::size_t>(i)]);
    const Estimate e = estimate_accuracy(c.estimator, s, pool.f, y, c.level);
    covered += (e.lo <= r.truth && r.truth <= e.hi) ? 1.0 : 0.0;
    err += e.point - r.truth;
    sq += (e.point - r.truth) * (e.point - r.truth);
    width += e.hi - e.lo;
    se2 += e.se * e.se;
    neff += e.n_eff;
    lambda += e.lambda;
    labels += static_cast<double>(e.labels);
    failures += static_cast<double>(e.failures);
  }
  const double D = c.draws;
  r.coverage = covered / D;
  r.bias = err / D;
  r.rmse = std::sqrt(sq / D);
  r.mean_width = width / D;
  r.rms_se = std::sqrt(se2 / D);
  r.mean_n_eff = neff / D;
  r.mean_lambda = lambda / D;
  r.mean_labels = labels / D;
  r.mean_failures = failures / D;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<SimResult> simulate_all(const SimConfig& base) {
  std::vector<SimResult> out;
  for (Regime r : {Regime::calibrated, Regime::overconfident, Regime::useless, Regime::shifted})
    for (const auto& [d, e] : pairs()) {
      SimConfig c = base;
      c.regime = r;
      c.design = d;
      c.estimator = e;
      out.push_back(simulate(c));
    }
  return out;
}

void print_table(std::ostream& os, const std::vector<SimResult>& rows) {
  os << format("%-13s %-10s %-19s %7s %7s %8s %8s %8s %8s %7s %7s %7s %7s %7s %6s\n", "regime", "design",
               "estimator", "truth", "online", "coverage", "bias", "rmse", "rms_se", "rel", "width", "n_eff", "labels",
               "fails", "lambda");
  for (const SimResult& r : rows) {
    double srs_rmse = 0.0;
    for (const SimResult& o : rows)
      if (o.config.regime == r.config.regime && o.config.estimator == Estimator::srs_wilson &&
          o.config.N == r.config.N && o.config.n == r.config.n && o.config.accuracy == r.config.accuracy)
        srs_rmse = o.rmse;
    // Not format_number: a NaN ratio prints "nan", as it always has; "-" means there is no SRS row.
    const std::string rel = srs_rmse > 0.0 ? format("%.3f", r.rmse / srs_rmse) : std::string("-");
    os << format("%-13s %-10s %-19s %7.4f %7.4f %8.4f %+8.5f %8.5f %8.5f %7s %7.4f %7.0f %7.1f %7.1f %6.3f\n",
                 to_string(r.config.regime), to_string(r.config.design), to_string(r.config.estimator), r.truth,
                 r.online, r.coverage, r.bias, r.rmse, r.rms_se, rel.c_str(), r.mean_width, r.mean_n_eff,
                 r.mean_labels, r.mean_failures, r.mean_lambda);
  }
}

}  // namespace alchain::assess
