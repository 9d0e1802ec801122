/// The DAIC cycle: per operational window, the pseudo-oracle's online estimate, a sampled set of
/// labels, the combined estimate with its confidence interval, and retraining on the labels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/results/assessment_store.hpp"  // the outcome, and reading a result file back

namespace alchain {

class PluginRegistry;

struct AssessmentOptions {
  std::filesystem::path output;
  bool overwrite = false;
  bool quiet = false;
  bool verbose = false;
  int threads = -1;  ///< -1 = as the pipeline says; 0 = every core
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

/// The per-window table and how often the intervals covered the truth.
void print_assessment(std::ostream& os, const AssessmentOutcome& outcome);

}  // namespace alchain
