// Reads the summary cells of a result file and prints them as text, CSV, JSON or Markdown.
#include "alchain/results/summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <ostream>
#include <stdexcept>

#include "alchain/stats/paired.hpp"
#include "alchain/util/format.hpp"
#include "format_util.hpp"
#include "h5_util.hpp"

namespace alchain {

namespace fs = std::filesystem;

bool Summary::off_diagonal(std::size_t r, std::size_t c) const {
  if (plan_kind != "matrix" || columns[c] == "random") return false;
  const std::string surrogate = columns[c].substr(0, columns[c].find('/'));
  return surrogate != rows[r];
}

SummaryFormat parse_summary_format(const std::string& s) {
  if (s == "text") return SummaryFormat::text;
  if (s == "csv") return SummaryFormat::csv;
  if (s == "json") return SummaryFormat::json;
  if (s == "markdown" || s == "md") return SummaryFormat::markdown;
  throw std::invalid_argument("unknown format '" + s + "' (text, csv, json, markdown)");
}

Summary read_summary(const fs::path& file) {

  Summary s;
  try {
    H5::H5File f = h5::open_result_file(file);
    H5::Group root = f.openGroup("/");
    s.pipeline = h5::read_string_attr(root, "pipeline_name");
    s.plan_kind = h5::read_string_attr(root, "plan_kind");
    s.status = h5::read_string_attr(root, "status");
    // Files written before segmentation have no "metric": theirs is accuracy.
    if (root.attrExists("metric")) s.metric = h5::read_string_attr(root, "metric");
    if (s.metric != "accuracy" && s.metric != "miou")
      throw std::runtime_error(file.string() + ": unknown metric '" + s.metric + "' (accuracy, miou)");
    s.rows = h5::read_string_list_attr(root, "rows");
    s.columns = h5::read_string_list_attr(root, "columns");
    const std::vector<std::string> planned = h5::read_string_list_attr(root, "trial_ids");
    s.trials_planned = planned.size();
    s.repeats = h5::repeat_count(root);
    std::map<std::string, std::size_t> row_of, col_of;
    for (std::size_t i = 0; i < s.rows.size(); ++i) row_of[s.rows[i]] = i;
    for (std::size_t i = 0; i < s.columns.size(); ++i) col_of[s.columns[i]] = i;
    s.values.assign(s.rows.size(), std::vector<std::vector<double>>(s.columns.size(), std::vector<double>(s.repeats, NAN)));
    s.labeled_per_row.assign(s.rows.size(), 0);
    H5::Group trials = f.openGroup("trials");
    for (const std::string& id : planned) {
      if (!trials.nameExists(id)) {
        s.missing_trials.push_back(id);
        continue;
      }
      H5::Group t = trials.openGroup(id);
      ++s.trials_done;
      const std::string column = h5::read_string_attr(t, "column");
      const auto repeat = h5::read_int_attr(t, "repeat");
      const std::int64_t rounds = h5::read_int_attr(t, "rounds");
      for (std::int64_t k = 0; k < rounds; ++k) {
        H5::Group r = t.openGroup("round_" + std::to_string(k));
        const std::string row = h5::read_string_attr(r, "summary_row");
        if (row.empty() || !row_of.count(row) || !col_of.count(column) || repeat < 0 || repeat >= s.repeats) continue;
        const std::size_t ri = row_of[row];
        s.values[ri][col_of[column]][static_cast<std::size_t>(repeat)] = h5::read_double_attr(r, s.metric);
        s.labeled_per_row[ri] = h5::read_int_attr(r, "num_labeled");
        s.labeled = s.labeled_per_row[ri];
      }
    }
  } catch (const H5::Exception& e) {
    throw std::runtime_error(file.string() + ": cannot read it as an alchain result file: " + e.getDetailMsg());
  }
  return s;
}

namespace {

using fmt::json_num;
using fmt::json_str;

std::vector<double> present(const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v)
    if (!std::isnan(x)) out.push_back(x);
  return out;
}

/// Pairs of (cell, random) over the repeats where both exist.
stats::PairedComparison compare(const Summary& s, std::size_t r, std::size_t c) {
  std::vector<double> a, b;
  const auto& cell = s.values[r][c];
  const auto& rnd = s.values[r].back();
  for (std::size_t i = 0; i < cell.size(); ++i)
    if (!std::isnan(cell[i]) && !std::isnan(rnd[i])) {
      a.push_back(cell[i]);
      b.push_back(rnd[i]);
    }
  stats::PairedComparison pc = stats::compare_paired(a, b);
  // One pair is no test: its exact Wilcoxon p is 1 whatever the difference (the t-test's is already NaN).
  if (pc.n < 2) pc.wilcoxon_p = NAN;
  return pc;
}

std::string mean_sd(const std::vector<double>& v) {
  const stats::Describe d = stats::describe(present(v));
  if (d.n == 0) return "-";
  if (d.n == 1) return format_number("%.4f", d.mean);
  return format_number("%.4f", d.mean) + " ± " + format_number("%.4f", d.sd);
}

std::string pad(const std::string& s, std::size_t w) {
  // Width in characters, not bytes: '±' is two bytes of UTF-8.
  std::size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  return s + std::string(w > chars ? w - chars : 1, ' ');
}

struct Row {
  std::size_t r, c;
  stats::PairedComparison pc;
  double holm = NAN;
};

/// Every non-random cell compared with random, Holm-adjusted over the off-diagonal cells (all
/// cells for a chain).
std::vector<Row> comparisons(const Summary& s) {
  std::vector<Row> rows;
  if (!s.has_random()) return rows;
  for (std::size_t r = 0; r < s.rows.size(); ++r)
    for (std::size_t c = 0; c + 1 < s.columns.size(); ++c) rows.push_back({r, c, compare(s, r, c), NAN});
  std::vector<double> p;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (s.plan_kind != "matrix" || s.off_diagonal(rows[i].r, rows[i].c)) {
      p.push_back(rows[i].pc.t_p);
      idx.push_back(i);
    }
  const std::vector<double> adj = stats::holm_adjust(p);
  for (std::size_t k = 0; k < idx.size(); ++k) rows[idx[k]].holm = adj[k];
  return rows;
}

struct Counts {
  int cells = 0, better = 0, significant = 0, holm = 0, worse = 0;
  int significant_worse = 0, holm_worse = 0;  ///< worse than random at p < 0.05 (t-test; Holm)
  double sign_p = NAN;
};

Counts count(const Summary& s, const std::vector<Row>& rows) {
  Counts k;
  for (const Row& x : rows) {
    if (s.plan_kind == "matrix" && !s.off_diagonal(x.r, x.c)) continue;
    if (x.pc.n == 0) continue;
    ++k.cells;
    if (x.pc.mean_diff > 0) ++k.better;
    if (x.pc.mean_diff < 0) ++k.worse;
    if (x.pc.mean_diff > 0 && x.pc.t_p < 0.05) ++k.significant;
    if (x.pc.mean_diff > 0 && x.holm < 0.05) ++k.holm;
    if (x.pc.mean_diff < 0 && x.pc.t_p < 0.05) ++k.significant_worse;
    if (x.pc.mean_diff < 0 && x.holm < 0.05) ++k.holm_worse;
  }
  // Over cells of one repeat each, the count is a description, not a test.
  const bool repeated = std::any_of(rows.begin(), rows.end(), [](const Row& x) { return x.pc.n >= 2; });
  k.sign_p = repeated ? stats::sign_test_p(k.better, k.worse) : NAN;
  return k;
}

std::string counts_line(const Summary& s, const Counts& k) {
  const std::string what = s.plan_kind == "matrix" ? "off-diagonal cells" : "generations";
  return format("%s: %d of %d beat random (mean difference > 0); %d of %d at p < 0.05 (paired t-test), %d of %d "
                "after Holm's adjustment; worse than random at p < 0.05: %d (t-test), %d (Holm); sign test over "
                "the cells: p = %s",
                what.c_str(), k.better, k.cells, k.significant, k.cells, k.holm, k.cells, k.significant_worse,
                k.holm_worse, format_number("%.3g", k.sign_p).c_str());
}

void print_text(std::ostream& os, const Summary& s, bool markdown) {
  const std::string unit = s.plan_kind == "matrix" ? "at " + std::to_string(s.labeled) + " labeled, " : "";
  os << "\n" << s.pipeline << ": test " << (s.metric == "miou" ? "mIoU" : s.metric) << " " << unit << "mean ± sd over " << s.repeats << " repeat"
     << (s.repeats == 1 ? "" : "s");
  if (s.plan_kind == "matrix") os << " (rows: deployment model; columns: whose picks it trained on)";
  os << "\n";
  if (s.status != "complete" || !s.missing_trials.empty())
    os << "status: " << s.status << "; " << s.trials_done << " of " << s.trials_planned << " trials in the file\n";
  const std::string first = s.plan_kind == "matrix" ? "deployment" : "generation";
  std::size_t w0 = first.size() + 2;
  for (const auto& r : s.rows) w0 = std::max(w0, r.size() + 2);
  const std::size_t w = 20;
  os << "\n";
  if (markdown) {
    os << "| " << first << (s.plan_kind == "chain" ? " | labeled" : "");
    for (const auto& c : s.columns) os << " | " << c;
    os << " |\n|---" << (s.plan_kind == "chain" ? "|---" : "");
    for (std::size_t i = 0; i < s.columns.size(); ++i) os << "|---";
    os << "|\n";
  } else {
    os << pad(first, w0) << (s.plan_kind == "chain" ? pad("labeled", 9) : "");
    for (const auto& c : s.columns) os << pad(c, w);
    os << "\n";
  }
  for (std::size_t r = 0; r < s.rows.size(); ++r) {
    if (markdown) {
      os << "| " << s.rows[r] << (s.plan_kind == "chain" ? " | " + std::to_string(s.labeled_per_row[r]) : "");
      for (std::size_t c = 0; c < s.columns.size(); ++c) os << " | " << mean_sd(s.values[r][c]);
      os << " |\n";
    } else {
      os << pad(s.rows[r], w0) << (s.plan_kind == "chain" ? pad(std::to_string(s.labeled_per_row[r]), 9) : "");
      for (std::size_t c = 0; c < s.columns.size(); ++c) os << pad(mean_sd(s.values[r][c]), w);
      os << "\n";
    }
  }
  const std::vector<Row> rows = comparisons(s);
  if (rows.empty()) return;
  os << "\ndifference to random in p.p., paired over repeats (same initial set, model initialisation and data order):\n";
  const char* head[] = {"cell", "n", "mean", "95% CI", "t-test p", "Wilcoxon p", "Holm p", "wins"};
  if (markdown) {
    os << "\n| deployment | picks | n | mean | 95% CI | t-test p | Wilcoxon p | Holm p | wins |\n|---|---|---|---|---|---|---|---|---|\n";
  } else {
    os << pad(first, w0) << pad("picks", w);
    for (std::size_t i = 1; i < 8; ++i) os << pad(head[i], i == 3 ? 20 : 12);
    os << "\n";
  }
  for (const Row& x : rows) {
    const auto& pc = x.pc;
    const std::string diag = s.plan_kind == "matrix" && !s.off_diagonal(x.r, x.c) ? " (own)" : "";
    const std::vector<std::string> cells = {
        std::to_string(pc.n),
        format_number("%+.2f", 100 * pc.mean_diff),
        std::isnan(pc.ci.lo)
            ? "-"
            : "[" + format_number("%+.2f", 100 * pc.ci.lo) + ", " + format_number("%+.2f", 100 * pc.ci.hi) + "]",
        format_number("%.3g", pc.t_p),
        format_number("%.3g", pc.wilcoxon_p),
        format_number("%.3g", x.holm),
        std::to_string(pc.wins) + "/" + std::to_string(pc.n)};
    if (markdown) {
      os << "| " << s.rows[x.r] << " | " << s.columns[x.c] << diag;
      for (const auto& c : cells) os << " | " << c;
      os << " |\n";
    } else {
      os << pad(s.rows[x.r], w0) << pad(s.columns[x.c] + diag, w);
      for (std::size_t i = 0; i < cells.size(); ++i) os << pad(cells[i], i == 2 ? 20 : 12);
      os << "\n";
    }
  }
  if (std::any_of(rows.begin(), rows.end(), [](const Row& x) { return x.pc.n < 2; }))
    os << "\n-: not computed for a cell with one repeat (n = 1): a paired test needs at least 2\n";
  os << "\n" << counts_line(s, count(s, rows)) << "\n";
}

void print_csv(std::ostream& os, const Summary& s) {
  const std::vector<Row> rows = comparisons(s);
  os << "row,column,n,mean,sd,random_mean,diff_mean,diff_sd,ci_lo,ci_hi,t_p,wilcoxon_p,holm_p,wins,losses,ties,off_diagonal\n";
  for (std::size_t r = 0; r < s.rows.size(); ++r)
    for (std::size_t c = 0; c < s.columns.size(); ++c) {
      const stats::Describe d = stats::describe(present(s.values[r][c]));
      os << s.rows[r] << "," << s.columns[c] << "," << d.n << "," << json_num(d.mean) << "," << json_num(d.sd);
      const Row* x = nullptr;
      for (const Row& y : rows)
        if (y.r == r && y.c == c) x = &y;
      if (x) {
        const auto& pc = x->pc;
        os << "," << json_num(stats::describe(present(s.values[r].back())).mean) << "," << json_num(pc.mean_diff) << ","
           << json_num(pc.sd_diff) << "," << json_num(pc.ci.lo) << "," << json_num(pc.ci.hi) << "," << json_num(pc.t_p)
           << "," << json_num(pc.wilcoxon_p) << "," << json_num(x->holm) << "," << pc.wins << "," << pc.losses << ","
           << pc.ties;
      } else {
        os << ",,,,,,,,,,,";
      }
      os << "," << (s.off_diagonal(r, c) ? 1 : 0) << "\n";
    }
}

void print_json(std::ostream& os, const Summary& s) {
  const std::vector<Row> rows = comparisons(s);
  const Counts k = count(s, rows);
  os << "{\n  \"pipeline\": " << json_str(s.pipeline) << ",\n  \"plan_kind\": " << json_str(s.plan_kind)
     << ",\n  \"status\": " << json_str(s.status) << ",\n  \"metric\": " << json_str(s.metric)
     << ",\n  \"repeats\": " << s.repeats << ",\n  \"trials_done\": " << s.trials_done
     << ",\n  \"trials_planned\": " << s.trials_planned << ",\n  \"rows\": [";
  for (std::size_t i = 0; i < s.rows.size(); ++i) os << (i ? ", " : "") << json_str(s.rows[i]);
  os << "],\n  \"columns\": [";
  for (std::size_t i = 0; i < s.columns.size(); ++i) os << (i ? ", " : "") << json_str(s.columns[i]);
  os << "],\n  \"cells\": [";
  bool first = true;
  for (std::size_t r = 0; r < s.rows.size(); ++r)
    for (std::size_t c = 0; c < s.columns.size(); ++c) {
      os << (first ? "\n" : ",\n") << "    {\"row\": " << json_str(s.rows[r]) << ", \"column\": " << json_str(s.columns[c])
         << ", \"labeled\": " << s.labeled_per_row[r] << ", \"values\": [";
      first = false;
      for (std::size_t i = 0; i < s.values[r][c].size(); ++i) os << (i ? ", " : "") << json_num(s.values[r][c][i]);
      os << "]";
      for (const Row& x : rows)
        if (x.r == r && x.c == c)
          os << ", \"diff_mean\": " << json_num(x.pc.mean_diff) << ", \"diff_sd\": " << json_num(x.pc.sd_diff)
             << ", \"ci\": [" << json_num(x.pc.ci.lo) << ", " << json_num(x.pc.ci.hi) << "], \"t_p\": " << json_num(x.pc.t_p)
             << ", \"wilcoxon_p\": " << json_num(x.pc.wilcoxon_p) << ", \"holm_p\": " << json_num(x.holm)
             << ", \"wins\": " << x.pc.wins << ", \"losses\": " << x.pc.losses << ", \"ties\": " << x.pc.ties
             << ", \"off_diagonal\": " << (s.off_diagonal(r, c) ? "true" : "false");
      os << "}";
    }
  os << "\n  ],\n  \"counts\": {\"cells\": " << k.cells << ", \"better\": " << k.better << ", \"significant\": "
     << k.significant << ", \"holm\": " << k.holm << ", \"worse\": " << k.worse << ", \"significant_worse\": "
     << k.significant_worse << ", \"holm_worse\": " << k.holm_worse << ", \"sign_test_p\": " << json_num(k.sign_p) << "},\n  \"missing_trials\": [";
  for (std::size_t i = 0; i < s.missing_trials.size(); ++i) os << (i ? ", " : "") << json_str(s.missing_trials[i]);
  os << "]\n}\n";
}

}  // namespace

void print_summary(std::ostream& os, const Summary& s, SummaryFormat format) {
  switch (format) {
    case SummaryFormat::text: print_text(os, s, false); break;
    case SummaryFormat::markdown: print_text(os, s, true); break;
    case SummaryFormat::csv: print_csv(os, s); break;
    case SummaryFormat::json: print_json(os, s); break;
  }
}

}  // namespace alchain
