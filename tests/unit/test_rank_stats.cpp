// Rank statistics (midranks, Spearman, Kendall tau-b, pick overlap, score summaries) on fixed
// vectors whose values were computed by hand or by an independent brute force.
#include <cmath>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>

#include "alchain/stats/rank.hpp"

using namespace alchain::stats;

// --- Rank statistics. Expected values by hand (the first two cases) and, for the last two, from an
// independent brute-force pair count and midrank Pearson in Python at development time.

TEST_CASE("midranks give tied values the mean of their ranks") {
  CHECK(midranks({10, 20, 20, 5}) == std::vector<double>{2, 3.5, 3.5, 1});
  CHECK(midranks({}).empty());
}

TEST_CASE("Spearman's rho and Kendall's tau-b on fixed vectors, ties included") {
  struct Case {
    std::vector<double> a, b;
    double rho, tau;
  };
  const std::vector<Case> cases = {
      // d = -1, 1, -1, 1, 0: rho = 1 - 6 * 4 / (5 * 24); 8 concordant, 2 discordant of 10.
      {{1, 2, 3, 4, 5}, {2, 1, 4, 3, 5}, 0.8, 0.6},
      // one tie in a, one in b: 4 concordant, 0 discordant, tau = 4 / sqrt(5 * 5).
      {{1, 1, 2, 3}, {1, 2, 2, 3}, 0.8333333333333334, 0.8},
      {{0.5, 0.5, 0.5, 1, 2, 2}, {3, 1, 2, 2, 2, 0}, -0.39349550147037177, -0.3481553119113957},
      {{3, 1, 4, 1, 5, 9, 2, 6}, {2, 7, 1, 8, 2, 8, 1, 8}, 0.19885368120992464, 0.16051447078102563},
  };
  for (const Case& c : cases) {
    CHECK(spearman_rho(c.a, c.b) == doctest::Approx(c.rho).epsilon(1e-12));
    CHECK(kendall_tau_b(c.a, c.b) == doctest::Approx(c.tau).epsilon(1e-12));
    // Symmetric in its arguments.
    CHECK(kendall_tau_b(c.b, c.a) == doctest::Approx(c.tau).epsilon(1e-12));
  }
  const std::vector<double> up{1, 2, 3, 4}, down{4, 3, 2, 1}, flat{2, 2, 2, 2};
  CHECK(spearman_rho(up, down) == doctest::Approx(-1.0));
  CHECK(kendall_tau_b(up, down) == doctest::Approx(-1.0));
  CHECK(std::isnan(spearman_rho(up, flat)));
  CHECK(std::isnan(kendall_tau_b(flat, up)));
  CHECK(std::isnan(kendall_tau_b({1}, {2})));
  CHECK_THROWS_AS(spearman_rho({1, 2}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(kendall_tau_b({1, NAN}, {1, 2}), std::invalid_argument);
}

TEST_CASE("Kendall's tau-b in O(n log n) agrees with the pair count on a larger tied sample") {
  // Scores with many ties, like saturated entropies: compare with the O(n^2) definition.
  std::vector<double> a, b;
  for (int i = 0; i < 300; ++i) {
    a.push_back(static_cast<double>((i * 37) % 11));
    b.push_back(static_cast<double>((i * 53) % 7) + (i % 3 == 0 ? 0.5 : 0.0));
  }
  double c = 0, d = 0, ta = 0, tb = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;
      if (da == 0) ++ta;
      else if (db == 0) ++tb;
      else if (da * db > 0) ++c;
      else ++d;
    }
  CHECK(kendall_tau_b(a, b) == doctest::Approx((c - d) / std::sqrt((c + d + ta) * (c + d + tb))).epsilon(1e-12));
}

TEST_CASE("pick overlap: Jaccard and the share of the second set's picks") {
  const auto o = pick_overlap({1, 2, 3, 4}, {3, 4, 5, 6});
  CHECK(o.common == 2);
  CHECK(o.jaccard == doctest::Approx(2.0 / 6.0));
  CHECK(o.of_b == doctest::Approx(0.5));
  const auto same = pick_overlap({7, 8}, {8, 7, 7});
  CHECK(same.common == 2);
  CHECK(same.jaccard == doctest::Approx(1.0));
  CHECK(std::isnan(pick_overlap({}, {}).jaccard));
  CHECK(std::isnan(pick_overlap({1}, {}).of_b));
}

TEST_CASE("score summary: mean, sd, top-10 % threshold and histogram of a fixed vector") {
  // 20 scores: 0.0 x 8, 0.5 x 6, 1.0 x 4, 2.0, 3.0. Sum 12, mean 0.6.
  std::vector<double> v;
  for (int i = 0; i < 8; ++i) v.push_back(0.0);
  for (int i = 0; i < 6; ++i) v.push_back(0.5);
  for (int i = 0; i < 4; ++i) v.push_back(1.0);
  v.push_back(2.0);
  v.push_back(3.0);
  const ScoreSummary s = summarize_scores(v, {0.0, 1.0, 2.0, 3.0});
  CHECK(s.n == 20);
  CHECK(s.mean == doctest::Approx(0.6));
  // Sum of squared deviations: 8*0.36 + 6*0.01 + 4*0.16 + 1.96 + 5.76 = 11.3; / 19.
  CHECK(s.sd == doctest::Approx(std::sqrt(11.3 / 19.0)));
  // Top 10 % of 20 = the top 2 scores (3.0 and 2.0): the threshold is 2.0.
  CHECK(s.top10 == 2.0);
  // Bins [0,1): 14; [1,2): 4; [2,3]: 2 (the last bin is closed).
  CHECK(s.hist == std::vector<double>{14, 4, 2});
  // Fewer than 10 scores: the top one alone.
  CHECK(summarize_scores({0.1, 0.7, 0.3}, {0, 1}).top10 == 0.7);
  CHECK(std::isnan(summarize_scores({}, {0, 1}).mean));
  CHECK_THROWS_AS(summarize_scores({1.0}, {0.0}), std::invalid_argument);
}
