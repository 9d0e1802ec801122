/// Checks a plugin's parameter table against the parameter specs of its descriptor.
#pragma once

#include <optional>
#include <string>

#include <toml++/toml.h>

#include "alchain/pipeline/diagnostics.hpp"
#include "alchain/plugin/param_values.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain {

SourcePos source_pos(const toml::source_region& r);

/// Every declared parameter, from `table` (may be null) or its default. Unknown keys, wrong types,
/// values out of bounds and missing required parameters go to `diags`, positioned at the
/// offending key or value, or at `anchor` when the table is absent.
Params resolve_plugin_params(const PluginInfo& plugin, const toml::table* table, const std::string& prefix,
                             SourcePos anchor, Diagnostics& diags);

/// Every declared parameter at its default; throws std::runtime_error when one is required.
Params default_params(const PluginInfo& plugin);

}  // namespace alchain
