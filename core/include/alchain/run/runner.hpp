/// Runs a pipeline: repeats x arms x generations x cycles, writing results as it goes.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"

namespace alchain {

class PluginRegistry;

struct RunOptions {
  std::filesystem::path output;
  bool overwrite = false;
  bool quiet = false;
  int threads = -1;  ///< -1 = as the pipeline says
};

/// Final accuracy of each generation of each arm, per repeat.
struct GenerationSummary {
  std::string name, model, policy;
  std::int64_t labeled = 0;
  std::vector<double> chain_accuracy;   ///< one per repeat (last cycle of the generation)
  std::vector<double> random_accuracy;  ///< empty without the random baseline
};

struct RunSummary {
  std::filesystem::path output;
  int threads = 0;
  double seconds = 0;
  std::vector<GenerationSummary> generations;
};

/// Runs the pipeline. Every check that can fail before training (dataset, budget against the pool
/// size, plugin creation, output file) happens before the output file is created.
RunSummary run_pipeline(const Pipeline& pipeline, const PluginRegistry& registry, const RunOptions& options);

/// The summary as a terminal table.
void print_summary(std::ostream& os, const RunSummary& summary, bool has_baseline);

}  // namespace alchain
