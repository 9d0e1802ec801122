/// Transferability of picks between models: in each repeat of a matrix, every surrogate's first
/// selection round scores the same pool from the same initial set, so their scores and picks can
/// be compared directly (rank correlation, overlap of the picks), pair by pair.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/results/summary.hpp"

namespace alchain {

/// One pair of select trials' first rounds (by column: surrogate, or surrogate/policy), per repeat;
/// NaN where a repeat is missing or a policy gives no scores.
struct TransferPair {
  std::string a, b;
  std::vector<double> spearman, kendall;  ///< rank correlation of the whole-pool scores
  std::vector<double> jaccard;            ///< of the two pick sets
  std::vector<double> share;              ///< |picks a ∩ picks b| / |picks b|
};

/// The spread of one column's first-round scores (the entropy-spread study: models trained on the
/// same initial set, scoring the rest of the pool).
struct ScoreSpread {
  std::string column;
  std::vector<double> mean, sd;  ///< per repeat
  std::vector<double> top10;     ///< per repeat: the lowest score among the top 10 % (at least 1 sample)
  std::vector<double> hist;      ///< fraction of all repeats' scores per bin of Transfer::hist_edges
};

struct Transfer {
  std::string pipeline, source;
  int repeats = 0;
  std::int64_t pool_scored = 0;  ///< unlabeled samples each first round scored
  std::int64_t picks = 0;        ///< picks per round (k)
  std::vector<std::string> columns;  ///< the select trials' columns found in the file
  std::vector<TransferPair> pairs;   ///< every a < b in column order
  std::vector<ScoreSpread> spread;   ///< per column, in column order (columns whose policy gives scores)
  std::vector<double> hist_edges;    ///< shared bin edges of every column's histogram: [0 or min, max] in 20 bins
};

/// Reads the first selection round of every select trial of a result file and compares them pair
/// by pair within each repeat. Throws naming the file when it is not an alchain result; a chain
/// (one select trial per repeat) gives no pairs.
Transfer read_transfer(const std::filesystem::path& file);

/// Mean ± sd over repeats per pair and the score spread per column (text, markdown), or every
/// value (csv: the pairs; json: everything).
void print_transfer(std::ostream& os, const Transfer& t, SummaryFormat format);

/// Writes the analysis to its own HDF5 file (layout in docs/hdf5.md, "Analysis files").
void write_transfer(const std::filesystem::path& out, const Transfer& t);

}  // namespace alchain
