/// What a declared parameter accepts: a TOML value converted by its spec (type, bounds, choices),
/// and its default, which is TOML text. The plugin layer checks defaults when a plugin loads; the
/// pipeline layer converts the values a pipeline gives (pipeline/plugin_params.hpp).
#pragma once

#include <optional>
#include <string>

#include <toml++/toml.h>

#include "alchain/plugin/plugin_registry.hpp"  // ParamSpec
#include "alchain/sdk/params.hpp"

namespace alchain {

/// The value of `node` as `spec` wants it, or nullopt with the reason in `error`
/// ("expected an integer, got a string", "expected a value in [0, 1], got 2", ...).
std::optional<ParamValue> param_value_from_toml(const toml::node& node, const ParamSpec& spec, std::string& error);

/// The spec's default value (nullopt with `error` when it is not a valid value of its type).
/// Precondition: `spec.default_value` is set.
std::optional<ParamValue> param_default_value(const ParamSpec& spec, std::string& error);

/// Whether a spec's default is a valid value of its type (used when a plugin loads).
std::optional<std::string> check_param_default(const ParamSpec& spec);

}  // namespace alchain
