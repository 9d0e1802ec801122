/// The paper's table from a result file: rows = deployments, columns = surrogates + random, and
/// the paired differences to random with intervals and tests.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace alchain {

struct Summary {
  std::string pipeline, plan_kind, status, metric = "accuracy";
  std::vector<std::string> rows, columns;  ///< columns end with "random" when the baseline ran
  int repeats = 0;
  std::int64_t labeled = 0;  ///< labeled-set size of the matrix cells (chains: per row, see labeled_per_row)
  std::vector<std::int64_t> labeled_per_row;
  /// values[row][column][repeat]; NaN where the trial is missing.
  std::vector<std::vector<std::vector<double>>> values;
  std::size_t trials_done = 0, trials_planned = 0;
  std::vector<std::string> missing_trials;

  /// Whether column `c` holds surrogate picks of another model than row `r` (matrices only).
  bool off_diagonal(std::size_t r, std::size_t c) const;
  bool has_random() const { return !columns.empty() && columns.back() == "random"; }
};

/// Reads a result file (complete or not: what is there is summarised, what is missing listed).
/// Throws with the file's name when it is not an alchain result file.
Summary read_summary(const std::filesystem::path& file);

enum class SummaryFormat { text, csv, json, markdown };
SummaryFormat parse_summary_format(const std::string& s);

void print_summary(std::ostream& os, const Summary& s, SummaryFormat format);

}  // namespace alchain
