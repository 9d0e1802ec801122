/// The DAIC cycle: per operational window, the pseudo-oracle's online estimate, a sampled set of
/// labels, the combined estimate with its confidence interval, and retraining on the labels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"

namespace alchain {

class PluginRegistry;

struct AssessmentOptions {
  std::filesystem::path output;
  bool overwrite = false;
  bool quiet = false;
  bool verbose = false;
  int threads = -1;  ///< -1 = as the pipeline says; 0 = every core
};

/// One window's figures, as written to the result file and printed.
struct WindowRow {
  int window = 0;
  double severity = 0, prior_shift = 0;
  std::int64_t size = 0;
  double true_accuracy = 0;      ///< of the deployed model on the window (evaluation only: every label)
  double baseline_accuracy = 0;  ///< of the first model, never retrained, on the same window
  double online = 0;             ///< the pseudo-oracle alone: mean f
  double estimate = 0, se = 0, lo = 0, hi = 0, n_eff = 0, lambda = 0;
  std::int64_t labels = 0, failures = 0;
  bool covered = false;          ///< lo <= true_accuracy <= hi
  double test_accuracy_after = 0;  ///< the retrained model on the test split (NaN without retraining)
  std::int64_t train_size_after = 0;
};

struct AssessmentOutcome {
  std::filesystem::path output;
  std::vector<WindowRow> rows;
  double test_accuracy_before = 0;  ///< the first deployed model on the test split
  double level = 0.95;              ///< of the intervals
  int threads = 0;
  double seconds = 0;
};

/// What run_assessment refuses before it writes anything, with positions: the dataset's size
/// against the sets and windows, the model and oracle can be created, a calibrating oracle has
/// calibration data, an MC-dropout oracle's model has dropout > 0.
void check_assessment(const Pipeline& p, const PluginRegistry& registry, class Dataset& data, Diagnostics& diags);

/// For `alchain validate`: loads the dataset (its failure noted at its position), then
/// check_assessment. The assessment counterpart of check_runnable.
void check_assessment_runnable(const Pipeline& p, const PluginRegistry& registry, Diagnostics& diags);

/// Runs an assessment pipeline (p.assessment.present). Checks the output, the dataset's size
/// against the sets and windows, and the oracle before anything is written; then writes the result
/// file window by window (docs/hdf5.md), so a run stopped midway keeps its finished windows.
AssessmentOutcome run_assessment(const Pipeline& p, const PluginRegistry& registry, const AssessmentOptions& options);

/// Whether `file` is a result file of run_assessment (an HDF5 file with format "alchain-assessment").
bool is_assessment_file(const std::filesystem::path& file);

/// Reads the windows (and the level, and the first model's test accuracy) back from a result file
/// of run_assessment; throws naming the file when it is not one.
AssessmentOutcome read_assessment(const std::filesystem::path& file);

/// The per-window table and how often the intervals covered the truth.
void print_assessment(std::ostream& os, const AssessmentOutcome& outcome);

}  // namespace alchain
