// Transferability of picks: rank correlations and pick overlaps between surrogates' first rounds.
#include "alchain/results/transfer.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <ostream>
#include <stdexcept>
#include <unordered_map>

#include "alchain/stats/paired.hpp"
#include "alchain/stats/rank.hpp"
#include "alchain/util/format.hpp"
#include "atomic_file.hpp"
#include "format_util.hpp"
#include "h5_util.hpp"

namespace alchain {

namespace fs = std::filesystem;

namespace {

/// A first selection round: the pool's scores by ID and the picks.
struct FirstRound {
  std::unordered_map<std::int64_t, float> scores;
  std::vector<std::int64_t> score_ids, picked;
};

std::vector<float> read_f32(const H5::Group& g, const std::string& name) {
  H5::DataSet d = g.openDataSet(name);
  hsize_t n = 0;
  d.getSpace().getSimpleExtentDims(&n);
  std::vector<float> v(n);
  if (n) d.read(v.data(), H5::PredType::NATIVE_FLOAT);
  return v;
}

void compare(const FirstRound& x, const FirstRound& y, TransferPair& p, std::size_t r) {
  const stats::Overlap o = stats::pick_overlap(x.picked, y.picked);
  p.jaccard[r] = o.jaccard;
  p.share[r] = o.of_b;
  if (x.score_ids.empty() || y.score_ids.empty() || x.score_ids.size() != y.score_ids.size()) return;
  std::vector<double> a, b;
  a.reserve(x.score_ids.size());
  b.reserve(x.score_ids.size());
  for (std::int64_t id : x.score_ids) {
    auto it = y.scores.find(id);
    if (it == y.scores.end()) return;  // not the same pool: no correlation
    a.push_back(x.scores.at(id));
    b.push_back(it->second);
  }
  p.spearman[r] = stats::spearman_rho(a, b);
  p.kendall[r] = stats::kendall_tau_b(a, b);
}

std::vector<double> present_values(const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v)
    if (!std::isnan(x)) out.push_back(x);
  return out;
}

std::string mean_sd(const std::vector<double>& v) {
  const stats::Describe d = stats::describe(present_values(v));
  if (d.n == 0) return "-";
  return format_number("%.3f", d.mean) + " ± " + (d.n < 2 ? std::string("-") : format_number("%.3f", d.sd));
}

void compute_spread(Transfer& t, const std::map<std::string, std::vector<FirstRound>>& rounds) {
  constexpr int kBins = 20;
  double lo = 0, hi = 0;
  bool any = false;
  for (const std::string& c : t.columns)
    for (const FirstRound& fr : rounds.at(c))
      for (const auto& [id, v] : fr.scores) {
        lo = any ? std::min<double>(lo, v) : std::min<double>(0.0, v);
        hi = any ? std::max<double>(hi, v) : v;
        any = true;
      }
  if (!any) return;
  if (hi <= lo) hi = lo + 1;
  for (int i = 0; i <= kBins; ++i) t.hist_edges.push_back(lo + (hi - lo) * i / kBins);
  for (const std::string& c : t.columns) {
    ScoreSpread sp;
    sp.column = c;
    sp.hist.assign(kBins, 0.0);
    double total = 0;
    for (const FirstRound& fr : rounds.at(c)) {
      std::vector<double> v;
      v.reserve(fr.score_ids.size());
      for (std::int64_t id : fr.score_ids) v.push_back(fr.scores.at(id));
      const stats::ScoreSummary s = stats::summarize_scores(v, t.hist_edges);
      sp.mean.push_back(s.mean);
      sp.sd.push_back(s.sd);
      sp.top10.push_back(s.top10);
      for (std::size_t b = 0; b < s.hist.size(); ++b) sp.hist[b] += s.hist[b];
      total += static_cast<double>(s.n);
    }
    if (total == 0) continue;  // a policy without scores: no spread
    for (double& h : sp.hist) h /= total;
    t.spread.push_back(std::move(sp));
  }
}

}  // namespace

Transfer read_transfer(const fs::path& file) {

  Transfer t;
  t.source = file.string();
  std::map<std::string, std::vector<FirstRound>> rounds;  // column -> per repeat
  std::vector<std::string> plan_columns;
  try {
    H5::H5File f = h5::open_result_file(file);
    H5::Group root = f.openGroup("/");
    t.pipeline = h5::read_string_attr(root, "pipeline_name");
    t.picks = h5::read_int_attr(root, "per_cycle");
    plan_columns = h5::read_string_list_attr(root, "columns");
    t.repeats = h5::repeat_count(root);
    H5::Group trials = f.openGroup("trials");
    for (const std::string& id : h5::read_string_list_attr(root, "trial_ids")) {
      if (!trials.nameExists(id)) continue;  // an unfinished run: what is there is compared
      H5::Group g = trials.openGroup(id);
      if (h5::read_string_attr(g, "kind") != "select" || !g.nameExists("round_0")) continue;
      H5::Group r0 = g.openGroup("round_0");
      if (!r0.nameExists("selected")) continue;  // the first stage does not pick
      const std::string column = h5::read_string_attr(g, "column");
      const auto repeat = h5::read_int_attr(g, "repeat");
      if (repeat < 0 || repeat >= t.repeats) continue;
      auto& per_repeat = rounds[column];
      per_repeat.resize(static_cast<std::size_t>(t.repeats));
      FirstRound& fr = per_repeat[static_cast<std::size_t>(repeat)];
      fr.picked = h5::read_i64(r0, "selected");
      if (r0.nameExists("scores")) {
        fr.score_ids = h5::read_i64(r0, "score_ids");
        const std::vector<float> s = read_f32(r0, "scores");
        if (s.size() != fr.score_ids.size())
          throw std::runtime_error(file.string() + ": trial " + id + " round 0 has " + std::to_string(s.size()) +
                                   " scores for " + std::to_string(fr.score_ids.size()) + " IDs");
        for (std::size_t i = 0; i < s.size(); ++i) fr.scores[fr.score_ids[i]] = s[i];
        t.pool_scored = static_cast<std::int64_t>(fr.score_ids.size());
      }
    }
  } catch (const H5::Exception& e) {
    throw std::runtime_error(file.string() + ": cannot read it as an alchain result file: " + e.getDetailMsg());
  }
  // Columns in the plan's order.
  for (const std::string& c : plan_columns)
    if (rounds.count(c)) t.columns.push_back(c);
  compute_spread(t, rounds);
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    for (std::size_t j = i + 1; j < t.columns.size(); ++j) {
      TransferPair p;
      p.a = t.columns[i];
      p.b = t.columns[j];
      const auto reps = static_cast<std::size_t>(t.repeats);
      p.spearman.assign(reps, NAN);
      p.kendall.assign(reps, NAN);
      p.jaccard.assign(reps, NAN);
      p.share.assign(reps, NAN);
      const auto& x = rounds.at(p.a);
      const auto& y = rounds.at(p.b);
      for (std::size_t r = 0; r < reps; ++r)
        if (!x[r].picked.empty() && !y[r].picked.empty()) compare(x[r], y[r], p, r);
      t.pairs.push_back(std::move(p));
    }
  return t;
}

void print_transfer(std::ostream& os, const Transfer& t, SummaryFormat format) {
  if (format == SummaryFormat::csv) {
    os << "a,b,repeat,spearman,kendall,jaccard,share_of_b\n";
    for (const TransferPair& p : t.pairs)
      for (std::size_t r = 0; r < p.spearman.size(); ++r)
        os << p.a << "," << p.b << "," << r << "," << format_number("%.17g", p.spearman[r]) << ","
           << format_number("%.17g", p.kendall[r]) << "," << format_number("%.17g", p.jaccard[r]) << ","
           << format_number("%.17g", p.share[r]) << "\n";
    return;
  }
  if (format == SummaryFormat::json) {
    auto list = [&](const std::vector<double>& v) {
      std::string s = "[";
      for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt::json_num(v[i]);
      return s + "]";
    };
    os << "{\n  \"pipeline\": " << fmt::json_str(t.pipeline) << ",\n  \"repeats\": " << t.repeats
       << ",\n  \"pool_scored\": " << t.pool_scored << ",\n  \"picks\": " << t.picks << ",\n  \"pairs\": [";
    for (std::size_t i = 0; i < t.pairs.size(); ++i) {
      const TransferPair& p = t.pairs[i];
      os << (i ? "," : "") << "\n    {\"a\": " << fmt::json_str(p.a) << ", \"b\": " << fmt::json_str(p.b)
         << ", \"spearman\": " << list(p.spearman) << ", \"kendall\": " << list(p.kendall)
         << ", \"jaccard\": " << list(p.jaccard) << ", \"share_of_b\": " << list(p.share) << "}";
    }
    os << "\n  ],\n  \"hist_edges\": " << list(t.hist_edges) << ",\n  \"spread\": [";
    for (std::size_t i = 0; i < t.spread.size(); ++i) {
      const ScoreSpread& sp = t.spread[i];
      os << (i ? "," : "") << "\n    {\"column\": " << fmt::json_str(sp.column) << ", \"mean\": " << list(sp.mean)
         << ", \"sd\": " << list(sp.sd) << ", \"top10\": " << list(sp.top10) << ", \"hist\": " << list(sp.hist) << "}";
    }
    os << "\n  ]\n}\n";
    return;
  }
  const bool md = format == SummaryFormat::markdown;
  auto row = [&](const std::vector<std::string>& cells) {
    if (md) {
      os << "|";
      for (const auto& x : cells) os << " " << x << " |";
      os << "\n";
      return;
    }
    for (const auto& x : cells) {
      std::size_t chars = 0;  // width in characters, not bytes ("±" is two bytes)
      for (unsigned char c : x) chars += (c & 0xC0) != 0x80;
      os << x << std::string(chars < 20 ? 20 - chars : 1, ' ');
    }
    os << "\n";
  };
  auto header = [&](const std::vector<std::string>& cells) {
    row(cells);
    if (md) {
      os << "|";
      for (std::size_t i = 0; i < cells.size(); ++i) os << "---|";
      os << "\n";
    }
  };
  os << "\n" << t.pipeline << ": transferability of first-round picks (each surrogate scores the same "
     << t.pool_scored << "-sample pool from the same initial set and picks " << t.picks << "), mean ± sd over "
     << t.repeats << " repeat" << (t.repeats == 1 ? "" : "s") << "\n\n";
  if (t.pairs.empty()) {
    os << "no pairs: the file has fewer than two select trials that pick in their first round "
          "(a chain has one per repeat; a matrix with two or more surrogates or policies has pairs)\n";
  } else {
    header({"a", "b", "spearman", "kendall tau-b", "jaccard", "share of b's picks"});
    for (const TransferPair& p : t.pairs)
      row({p.a, p.b, mean_sd(p.spearman), mean_sd(p.kendall), mean_sd(p.jaccard), mean_sd(p.share)});
  }
  if (t.spread.empty()) return;
  os << "\nscore spread of the first round (every surrogate trained on the same initial set, scoring the rest), "
        "mean ± sd over repeats:\n\n";
  const std::string first = t.spread.front().column;
  header({"column", "mean score", "sd of scores", "top-10 % threshold", "mean / " + first + "'s"});
  const stats::Describe base = stats::describe(present_values(t.spread.front().mean));
  for (const ScoreSpread& sp : t.spread) {
    const stats::Describe m = stats::describe(present_values(sp.mean));
    row({sp.column, mean_sd(sp.mean), mean_sd(sp.sd), mean_sd(sp.top10), format_number("%.3f", m.mean / base.mean)});
  }
}

void write_transfer(const fs::path& out, const Transfer& t) {
  h5::quiet();
  write_atomically(out, [&](const fs::path& tmp) {
    try {
      H5::H5File f(tmp.string(), H5F_ACC_TRUNC);
      H5::Group root = f.openGroup("/");
      for (const auto& [key, value] : {std::pair<const char*, std::string>{"format", "alchain-analysis"},
                                       {"analysis", "transfer"}, {"source", t.source}, {"pipeline_name", t.pipeline}})
        h5::string_attr(root, key, value);
      for (const auto& [key, value] : {std::pair<const char*, std::int64_t>{"repeats", t.repeats},
                                       {"pool_scored", t.pool_scored}, {"picks", t.picks}})
        h5::int_attr(root, key, value);
      h5::string_list_attr(root, "columns", t.columns);
      H5::Group pairs = f.createGroup("pairs");
      for (std::size_t i = 0; i < t.pairs.size(); ++i) {
        const TransferPair& p = t.pairs[i];
        H5::Group g = pairs.createGroup("pair_" + std::to_string(i));
        h5::string_attr(g, "a", p.a);
        h5::string_attr(g, "b", p.b);
        h5::write_f64(g, "spearman", p.spearman);
        h5::write_f64(g, "kendall", p.kendall);
        h5::write_f64(g, "jaccard", p.jaccard);
        h5::write_f64(g, "share_of_b", p.share);
      }
      pairs.close();
      H5::Group spread = f.createGroup("spread");
      h5::write_f64(spread, "hist_edges", t.hist_edges);
      for (const ScoreSpread& sp : t.spread) {
        H5::Group g = spread.createGroup(sp.column);
        h5::write_f64(g, "mean", sp.mean);
        h5::write_f64(g, "sd", sp.sd);
        h5::write_f64(g, "top10", sp.top10);
        h5::write_f64(g, "hist", sp.hist);
      }
      spread.close();
      root.close();
      f.close();
    } catch (const H5::Exception& e) {
      throw std::runtime_error(out.string() + ": cannot write the analysis: " + e.getDetailMsg());
    }
  });
}

}  // namespace alchain
