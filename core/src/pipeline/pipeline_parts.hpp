// Pieces of the pipeline parser shared between the chain part and the experiment part.
#pragma once

#include <string>

#include "alchain/pipeline/pipeline.hpp"
#include "toml_reader.hpp"

namespace alchain {

/// Reads `key` (a plugin name of `kind`) and its parameter table `params_key` from `r`.
void read_plugin_ref(TableReader& r, const char* key, const char* params_key, PluginKind kind,
                     const PluginRegistry& registry, Diagnostics& diags, PluginRef& out, bool required);

/// Reads a [training] table into `t` (keys absent from the table keep their value).
void read_training_options(TableReader& r, TrainingOptions& t);

/// Descriptor requirements of a policy on a model at a generation index (MC dropout, earlier
/// generations, labels), reported at the policy's position.
void check_policy_requirements(const GenerationSpec& g, std::size_t index, const std::string& prefix,
                               const PluginRegistry& registry, Diagnostics& diags);

/// Wrapper policies (a string parameter `base`, as power's): the base exists and its requirements
/// hold. Runs once the whole file is read.
void check_wrapped_bases(const Pipeline& p, const PluginRegistry& registry, Diagnostics& diags);

/// `[models.*]`, `[policies.*]` and `[experiment]`: fills `p.experiment` and checks it.
void parse_experiment(TableReader& top, Pipeline& p, const PluginRegistry& registry, Diagnostics& diags);

}  // namespace alchain
