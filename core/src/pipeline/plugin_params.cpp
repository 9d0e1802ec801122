// Resolves a plugin's parameter table from a pipeline: given values, defaults, unknown and missing keys.
#include "alchain/pipeline/plugin_params.hpp"

#include "alchain/plugin/param_values.hpp"
#include "toml_reader.hpp"

namespace alchain {

Params default_params(const PluginInfo& plugin) {
  Diagnostics d(plugin.file);
  Params p = resolve_plugin_params(plugin, nullptr, "params", {}, d);
  if (!d.empty()) throw std::runtime_error(d.str());
  return p;
}

Params resolve_plugin_params(const PluginInfo& plugin, const toml::table* table, const std::string& prefix,
                             SourcePos anchor, Diagnostics& diags) {
  Params out;
  const std::string who = std::string(to_string(plugin.kind)) + " '" + plugin.name + "'";
  for (const ParamSpec& s : plugin.params) {
    const toml::node* n = table ? table->get(s.name) : nullptr;
    std::string error;
    if (n) {
      if (auto v = param_value_from_toml(*n, s, error)) out.set(s.name, *v);
      else diags.error(source_pos(n->source()), prefix + "." + s.name + ": " + error);
    } else if (s.default_value) {
      if (auto v = param_default_value(s, error)) out.set(s.name, *v);
    } else {
      diags.error(table ? source_pos(table->source()) : anchor,
                  prefix + ": " + who + " requires parameter '" + s.name + "' (" + to_string(s.type) + ")");
    }
  }
  if (table) {
    for (auto&& [k, v] : *table) {
      bool known = false;
      for (const auto& s : plugin.params) known = known || s.name == k.str();
      if (known) continue;
      std::string names;
      for (const auto& s : plugin.params) names += (names.empty() ? "" : ", ") + s.name;
      diags.error(source_pos(k.source()), prefix + ": " + who + " has no parameter '" + std::string(k.str()) +
                                              "' (" + (names.empty() ? "it takes none" : "it takes: " + names) + ")");
    }
  }
  return out;
}

}  // namespace alchain
