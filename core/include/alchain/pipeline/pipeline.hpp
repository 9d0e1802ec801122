/// The typed form of a pipeline file (see docs/pipelines.md); defaults live here, in the structs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "alchain/assess/estimators.hpp"
#include "alchain/assess/sampling.hpp"
#include "alchain/pipeline/diagnostics.hpp"
#include "alchain/pipeline/hardware.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain {

class PluginRegistry;

constexpr int kPipelineSchema = 1;

/// A plugin named in a pipeline, with its parameters checked and defaults filled.
struct PluginRef {
  std::string plugin;
  std::string version;  ///< the loaded plugin's own version (part of a plan's fingerprint)
  Params params;
  SourcePos pos;
};

/// A model's initial weights (`weights`, `weights_into`): a TorchScript file loaded by name into
/// every fresh model of the generation or entry (run/weights.hpp).
struct ModelWeights {
  std::string path;    ///< resolved against the pipeline's folder; empty: the plugin's own initialisation
  std::string into;    ///< the submodule the file's names are relative to ("" = the whole model)
  std::string digest;  ///< file_digest() when the pipeline was read (the plan names the bytes, not only the path)
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
  SourcePos pos{1, 1};         ///< the [budget] table (where a budget larger than the pool is reported)
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
  /// At least this many optimizer steps per training: when `epochs` passes over a small labeled
  /// set give fewer, more epochs are run (the schedule stretches with them). 0 = off.
  int min_steps = 0;
  int augment_crop_padding = 0;  ///< random crop of the input size after zero-padding by this many pixels (0 = off)
  bool augment_hflip = false;    ///< random horizontal flip with probability 1/2
};

/// Segmentation: how a policy's per-pixel scores become one score per image (sdk/reduction.hpp).
struct PixelReduction {
  std::string method = "mean";  ///< mean | max | top_fraction_mean
  double fraction = 0.1;        ///< top_fraction_mean: the share of an image's pixels averaged
  bool operator==(const PixelReduction& o) const { return method == o.method && fraction == o.fraction; }
};

struct GenerationSpec {
  std::string name;
  PluginRef model;
  PluginRef policy;  ///< empty plugin when cycles == 0
  int cycles = 1;
  bool reference = false;  ///< a reference run: policies that read true labels are allowed
  PixelReduction reduction;  ///< keys `reduction`, `reduction_fraction`
  ModelWeights weights;      ///< keys `weights`, `weights_into`
  TrainingOptions training;
  std::string hardware;        ///< the fleet hardware this generation runs on (a `hardware` name); empty: none
  double max_latency_ms = 0;   ///< its model's theoretical latency per input must not exceed this; 0: no limit
  SourcePos hardware_pos, latency_pos;
};

/// A named model of an experiment: `[models.<name>]`, or a plugin name used with its defaults.
struct ModelEntry {
  std::string name;  ///< the key trials, seeds and result files use
  PluginRef model;
  ModelWeights weights;  ///< keys `weights`, `weights_into`
  TrainingOptions training;
};

/// A named policy of an experiment: `[policies.<name>]`, or a plugin name used with its defaults.
struct PolicyEntry {
  std::string name;
  PluginRef policy;
  bool reference = false;  ///< may read true labels (true_loss)
  PixelReduction reduction;  ///< keys `reduction`, `reduction_fraction`
};

/// `[experiment]`: a surrogate x deployment matrix (docs/experiments.md).
struct ExperimentSpec {
  bool present = false;
  std::vector<ModelEntry> surrogates;   ///< pick data, one selection chain per (surrogate, policy, repeat)
  std::vector<ModelEntry> deployments;  ///< trained on every surrogate's picks and on random picks
  std::vector<PolicyEntry> policies;
  bool learning_curves = false;         ///< train deployments at every cycle's labeled set, not only the last
  SourcePos pos;
};

/// `[assessment.sampling]`: how each window's labels are drawn and turned into an estimate.
struct AssessmentSampling {
  assess::Design design = assess::Design::stratified;           ///< read once here; assess::to_string names it
  assess::Estimator estimator = assess::Estimator::stratified;  ///< compatible with `design` once validated
  std::int64_t budget = 200;             ///< labels per window
  double tau = 0.3;                      ///< poisson, sequential: weight of the uniform part
  int strata = 5;                        ///< stratified (and sequential's bins)
  double level = 0.95;                   ///< confidence level of the intervals
  SourcePos pos, budget_pos;
};

/// `[assessment.shift]`: what operation does to each window (lists have one value per window; a
/// single number applies to every window).
struct AssessmentShift {
  std::string corruption = "none";  ///< none | blur | noise | brightness | contrast | rotation
  std::vector<double> severity;     ///< per window, in [0, 5]; 0 = clean
  std::vector<double> prior_shift;  ///< per window, in [0, 1]: 0 = the pool's class priors, 1 = fully skewed
};

/// `[assessment]`: operational assessment and improvement cycles (DAIC; docs/assessment.md).
struct AssessmentSpec {
  bool present = false;
  ModelEntry model;                    ///< the deployed model, retrained after each window
  std::int64_t train = 2000;           ///< its first labelled training set (random from the train split)
  std::int64_t calibration = 1000;     ///< held-out labelled samples for oracles that calibrate (0 = none)
  std::vector<ModelEntry> companions;  ///< trained once on the first training set (agreement)
  ModelEntry reference;                ///< trained once on `reference_train` samples (reference_model); empty plugin = none
  std::int64_t reference_train = 0;    ///< 0 = the same as `train`
  PluginRef oracle;
  int windows = 4;
  std::int64_t window_size = 2000;
  bool retrain = true;                 ///< retrain after each window on everything labelled so far
  AssessmentSampling sampling;
  AssessmentShift shift;
  SourcePos pos;
};

struct RunOptionsSpec {
  std::uint64_t seed = 0;
  int repeats = 1;              ///< repeat r uses seed + r
  int threads = 0;              ///< 0 = every core
  int inference_batch_size = 512;
  /// > 1: every training is data-parallel over exactly this many ranks (torchrun, mpirun, srun),
  /// which the results then depend on; 1: every rank trains the whole batch (docs/cluster.md)
  int data_parallel_ranks = 1;
  SourcePos data_parallel_ranks_pos{1, 1};
  std::string device = "cpu";   ///< "cpu", "cuda" or "cuda:<index>" (run/device.hpp); with `devices`, their kind
  SourcePos device_pos{1, 1};
  /// Devices to spread processes over ("cpu" or "cuda:<index>", one kind); empty = `device` for
  /// every process. Which process gets which: pipeline/device_assignment.hpp.
  std::vector<std::string> devices;
  SourcePos devices_pos{1, 1};
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
  bool random_learning_curve = false;  ///< chains: train the random arm at every cycle, not only each generation's last
  std::vector<Hardware> hardware = fleet_hardware();  ///< TX2, Xavier, Orin, then `[hardware]`'s entries
  std::vector<GenerationSpec> generations;  ///< a chain; empty when `experiment` is present
  std::vector<PolicyEntry> policy_entries;  ///< every `[policies.<name>]` (an experiment's, or a wrapper's base)
  std::vector<ModelEntry> model_entries;    ///< every `[models.<name>]`
  ExperimentSpec experiment;
  AssessmentSpec assessment;                ///< an assessment pipeline; then no chain and no experiment
};

/// Parses and checks a pipeline text against the schema and the registry's plugins. Every
/// problem goes to `diags`; the result is meaningful only when `diags` stayed empty.
Pipeline parse_pipeline(const std::string& text, const std::string& path, const PluginRegistry& registry,
                        Diagnostics& diags);

/// Reads and parses a file; throws InputError listing every problem.
Pipeline load_pipeline(const std::filesystem::path& file, const PluginRegistry& registry);

}  // namespace alchain
