// Pieces of the pipeline parser shared between the chain part and the experiment part.
#pragma once

#include <string>

#include "alchain/pipeline/pipeline.hpp"
#include "toml_reader.hpp"

namespace alchain {

/// Names that become trial IDs, HDF5 group names and file names: letters, digits, '_', '-', '.'
/// (1 to 64 characters).
bool plain_name(const std::string& s);

/// Reads `key` (a plugin name of `kind`) and its parameter table `params_key` from `r`.
void read_plugin_ref(TableReader& r, const char* key, const char* params_key, PluginKind kind,
                     const PluginRegistry& registry, Diagnostics& diags, PluginRef& out, bool required);

/// Reads a [training] table into `t` (keys absent from the table keep their value).
void read_training_options(TableReader& r, TrainingOptions& t);
/// The `reduction` and `reduction_fraction` keys of a generation or a `[policies.<name>]` entry.
void read_pixel_reduction(TableReader& r, PixelReduction& out);
/// The `weights` and `weights_into` keys of a generation or a `[models.<name>]` entry: the file
/// is resolved against `base_dir` (the pipeline's folder) and must be readable; whether its
/// tensors fit the model is checked once the dataset is known (preflight).
void read_model_weights(TableReader& r, const std::string& base_dir, ModelWeights& out);

/// Each policy against the model that runs it: an [experiment]'s (surrogate, policy) pairings
/// meet the policy's requirements, and wrapper policies' bases (ALCHAIN_FLAG_WRAPPER: the string
/// parameter `base`, as power's) exist and meet theirs. Runs once the whole file is read.
void check_policy_pairings(const Pipeline& p, const PluginRegistry& registry, Diagnostics& diags);

/// `[models.*]`, `[policies.*]` and `[experiment]`: fills `p.experiment` and checks it.
void parse_experiment(TableReader& top, Pipeline& p, const PluginRegistry& registry, Diagnostics& diags);

/// `[assessment]`: fills `p.assessment` and checks it (after parse_experiment read `[models.*]`).
void parse_assessment(TableReader& top, Pipeline& p, const PluginRegistry& registry, Diagnostics& diags);

}  // namespace alchain
