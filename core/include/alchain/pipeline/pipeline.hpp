/// The typed form of a pipeline file (see docs/pipelines.md); defaults live here, in the structs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "alchain/pipeline/diagnostics.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain {

class PluginRegistry;

constexpr int kPipelineSchema = 1;

/// A plugin named in a pipeline, with its parameters checked and defaults filled.
struct PluginRef {
  std::string plugin;
  Params params;
  SourcePos pos;
};

/// A number of samples: a count, or a fraction of the pool.
struct Count {
  bool is_fraction = false;
  double value = 0;
  /// The count for a pool of `pool` samples (fractions round down, at least 1).
  std::int64_t resolve(std::int64_t pool) const;
};

struct BudgetOptions {
  Count initial{false, 100};   ///< random initial labeled set, the same in every arm
  Count per_cycle{false, 100}; ///< picked per selection cycle
  int cycles = 1;              ///< selection cycles per generation, unless the generation says
};

struct TrainingOptions {
  int epochs = 10;
  int batch_size = 128;
  double lr = 0.05;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 5e-4;    ///< not applied to biases and normalisation weights
  std::string schedule = "cosine"; ///< constant | cosine | step
  int step_epochs = 0;           ///< step: decay every this many epochs (0 = epochs / 3)
  double gamma = 0.1;            ///< step: LR multiplier
};

struct GenerationSpec {
  std::string name;
  PluginRef model;
  PluginRef policy;  ///< empty plugin when cycles == 0
  int cycles = 1;
  bool reference = false;  ///< a reference run: policies that read true labels are allowed
  TrainingOptions training;
};

struct RunOptionsSpec {
  std::uint64_t seed = 0;
  int repeats = 1;              ///< repeat r uses seed + r
  int threads = 0;              ///< 0 = every core
  int inference_batch_size = 512;
};

struct Pipeline {
  std::string path;   ///< as given
  std::string text;   ///< the file's TOML text, stored in every result file
  std::string name;
  std::string description;
  RunOptionsSpec run;
  PluginRef dataset;
  BudgetOptions budget;
  TrainingOptions training;
  bool random_baseline = true;
  std::vector<GenerationSpec> generations;
};

/// Parses and checks a pipeline text against the schema and the registry's plugins. Every
/// problem goes to `diags`; the result is meaningful only when `diags` stayed empty.
Pipeline parse_pipeline(const std::string& text, const std::string& path, const PluginRegistry& registry,
                        Diagnostics& diags);

/// Reads and parses a file; throws InputError listing every problem.
Pipeline load_pipeline(const std::filesystem::path& file, const PluginRegistry& registry);

}  // namespace alchain
