/// The result file of an assessment (format "alchain-assessment", docs/hdf5.md): created whole
/// with its sets, then written window by window, so a run stopped midway keeps its finished windows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "alchain/assess/estimators.hpp"
#include "alchain/assess/sampling.hpp"
#include "alchain/pipeline/pipeline.hpp"

namespace alchain {

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

/// The sets an assessment cuts from the train split (ids of that split).
struct AssessmentSets {
  std::vector<std::int64_t> train;        ///< the deployed model's first training set
  std::vector<std::int64_t> calibration;  ///< held out for oracles that calibrate
  std::vector<std::int64_t> reference;    ///< train, then the reference model's extra samples
  std::vector<std::vector<std::int64_t>> windows;
};

/// Everything a window stores besides its row: the inputs, the oracle's verdicts, the deployed
/// model's predictions, the sample, and every estimator the design allows on that sample.
struct WindowRecord {
  WindowRow row;
  std::vector<std::int64_t> ids;
  std::vector<double> f;
  std::vector<char> verdict;
  std::vector<std::int64_t> predicted;
  std::vector<int> correct;
  assess::Sample sample;
  std::vector<assess::Estimate> estimates;
};

/// Writes one assessment's result file.
class AssessmentStore {
 public:
  /// Creates `output` atomically (its directory too) with the pipeline's root attributes, the
  /// thread count and the sets; windows_done = 0 and complete = 0 until the windows are in.
  AssessmentStore(std::filesystem::path output, const Pipeline& p, int threads, const AssessmentSets& sets);

  void write_test_accuracy_before(double accuracy) const;
  /// Adds a window's group and counts it in windows_done; a second Ctrl-C waits for it to be in.
  void write_window(const WindowRecord& w) const;
  /// complete = 1: every window is in.
  void mark_complete() const;

 private:
  std::filesystem::path output_;
};

/// The windows_done attribute of an assessment file; 0 when it cannot be read.
std::int64_t assessment_windows_done(const std::filesystem::path& file);

/// Whether `file` is a result file of run_assessment (an HDF5 file with format "alchain-assessment").
bool is_assessment_file(const std::filesystem::path& file);

/// Reads the windows (and the level, and the first model's test accuracy) back from a result file
/// of run_assessment; throws naming the file when it is not one.
AssessmentOutcome read_assessment(const std::filesystem::path& file);

}  // namespace alchain
