// Parses `[models.*]`, `[policies.*]` and `[experiment]`: a surrogate x deployment matrix.
#include <filesystem>
#include <map>
#include <set>

#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/util/text.hpp"
#include "pipeline_parts.hpp"

namespace alchain {

bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

namespace {

std::string join_names(const std::vector<std::string>& v) { return v.empty() ? "none" : join(v); }

/// `[<section>.<name>]` tables: each name plain, each value a table, read by `read_one(reader,
/// prefix, name)`, which returns the entry.
template <class Entry, class ReadOne>
std::map<std::string, Entry> read_entries(const toml::table& t, const std::string& section, const char* noun,
                                          const char* keys, Diagnostics& diags, ReadOne read_one) {
  std::map<std::string, Entry> out;
  for (auto&& [key, node] : t) {
    const std::string name(key.str());
    const std::string prefix = section + "." + name;
    if (!plain_name(name)) {
      diags.error(source_pos(key.source()),
                  prefix + ": a " + noun + " name uses letters, digits, '_', '-' and '.' only");
      continue;
    }
    if (name == "random") {
      diags.error(source_pos(key.source()), prefix + ": 'random' names the random baseline's column; choose another name");
      continue;
    }
    const toml::table* et = node.as_table();
    if (!et) {
      diags.error(source_pos(node.source()), prefix + ": expected a table (" + keys + ")");
      continue;
    }
    TableReader r(*et, prefix, diags);
    Entry e = read_one(r, prefix, name);
    r.finish();
    out.emplace(name, std::move(e));
  }
  return out;
}

/// `[models.<name>]` tables: plugin, params, training.
std::map<std::string, ModelEntry> read_model_entries(const toml::table& t, const TrainingOptions& defaults,
                                                     const std::string& base_dir, const PluginRegistry& registry,
                                                     Diagnostics& diags) {
  return read_entries<ModelEntry>(t, "models", "model", "plugin, params, weights, weights_into, training", diags,
                                  [&](TableReader& r, const std::string& prefix, const std::string& name) {
                                    ModelEntry e;
                                    e.name = name;
                                    e.training = defaults;
                                    read_plugin_ref(r, "plugin", "params", PluginKind::model, registry, diags, e.model, true);
                                    read_model_weights(r, base_dir, e.weights);
                                    if (const toml::table* tt = r.table("training")) {
                                      TableReader tr(*tt, prefix + ".training", diags);
                                      read_training_options(tr, e.training);
                                    }
                                    return e;
                                  });
}

/// `[policies.<name>]` tables: plugin, params, reference.
std::map<std::string, PolicyEntry> read_policy_entries(const toml::table& t, const PluginRegistry& registry,
                                                       Diagnostics& diags) {
  return read_entries<PolicyEntry>(t, "policies", "policy", "plugin, params, reference, reduction, reduction_fraction", diags,
                                   [&](TableReader& r, const std::string&, const std::string& name) {
                                     PolicyEntry e;
                                     e.name = name;
                                     read_plugin_ref(r, "plugin", "params", PluginKind::policy, registry, diags,
                                                     e.policy, true);
                                     r.boolean("reference", e.reference);
                                     read_pixel_reduction(r, e.reduction);
                                     return e;
                                   });
}

/// A list of names, each an entry of `named` or a plugin of `kind` with its defaults.
template <class Entry, class MakeDefault>
std::vector<Entry> read_list(TableReader& r, const char* key, PluginKind kind, const std::map<std::string, Entry>& named,
                             const PluginRegistry& registry, Diagnostics& diags, MakeDefault make_default) {
  std::vector<Entry> out;
  const toml::array* a = r.array(key);
  if (!a) {
    if (!r.node(key)) diags.error(r.pos(), r.path(key) + ": missing (a list of " + to_string(kind) + " names)");
    return out;
  }
  if (a->empty()) {
    r.error(*a, r.path(key) + ": empty; the matrix needs at least one " + to_string(kind));
    return out;
  }
  std::set<std::string> seen;
  for (const toml::node& n : *a) {
    auto* s = n.as_string();
    if (!s) {
      r.error(n, r.path(key) + ": expected " + to_string(kind) + " names (strings), got " + toml_type_name(n));
      continue;
    }
    const std::string name = s->get();
    if (!seen.insert(name).second) {
      r.error(n, r.path(key) + ": '" + name + "' is listed twice");
      continue;
    }
    if (auto it = named.find(name); it != named.end()) {
      out.push_back(it->second);
      continue;
    }
    if (!registry.contains(kind, name)) {
      std::vector<std::string> entries;
      for (const auto& [k, v] : named) entries.push_back(k);
      r.error(n, r.path(key) + ": unknown " + to_string(kind) + " '" + name + "' (named entries: " +
                     join_names(entries) + "; plugins: " + join_names(registry.names(kind)) + ")");
      continue;
    }
    if (!plain_name(name)) {
      r.error(n, r.path(key) + ": '" + name + "' is not a plain name; give it a [" +
                     (kind == PluginKind::model ? "models" : "policies") + ".<name>] entry");
      continue;
    }
    try {
      out.push_back(make_default(name, source_pos(n.source())));
    } catch (const std::exception& e) {
      r.error(n, r.path(key) + ": " + to_string(kind) + " '" + name + "': " + e.what());
    }
  }
  return out;
}

}  // namespace

void parse_experiment(TableReader& top, Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  std::map<std::string, ModelEntry> models;
  std::map<std::string, PolicyEntry> policies;
  if (const toml::table* t = top.table("models")) models = read_model_entries(*t, p.training, std::filesystem::path(p.path).parent_path().string(), registry, diags);
  if (const toml::table* t = top.table("policies")) policies = read_policy_entries(*t, registry, diags);
  for (auto& [name, e] : policies) p.policy_entries.push_back(e);
  for (auto& [name, e] : models) p.model_entries.push_back(e);
  const toml::table* et = top.table("experiment");
  if (!et) {
    if (!models.empty() && !top.table("assessment"))
      diags.error(top.pos(), "models: named models are used by an [experiment] or an [assessment], and this file has neither");
    return;
  }
  ExperimentSpec& x = p.experiment;
  x.present = true;
  x.pos = source_pos(et->source());
  TableReader r(*et, "experiment", diags);
  // A plugin named in a list, not an entry: the plugin with its defaults.
  auto plugin_default = [&](PluginKind kind, const std::string& name, SourcePos pos) {
    PluginRef ref;
    ref.plugin = name;
    ref.pos = pos;
    ref.params = default_params(registry.get(kind, name));
    ref.version = registry.get(kind, name).version;
    return ref;
  };
  auto model_default = [&](const std::string& name, SourcePos pos) {
    ModelEntry e;
    e.name = name;
    e.model = plugin_default(PluginKind::model, name, pos);
    e.training = p.training;
    return e;
  };
  auto policy_default = [&](const std::string& name, SourcePos pos) {
    PolicyEntry e;
    e.name = name;
    e.policy = plugin_default(PluginKind::policy, name, pos);
    return e;
  };
  x.surrogates = read_list(r, "surrogates", PluginKind::model, models, registry, diags, model_default);
  x.deployments = read_list(r, "deployments", PluginKind::model, models, registry, diags, model_default);
  x.policies = read_list(r, "policies", PluginKind::policy, policies, registry, diags, policy_default);
  if (const toml::node* n = r.node("repeats")) {
    int repeats = 0;
    if (r.integer("repeats", repeats, 1, 1000)) {
      if (top.node("run") && top.node("run")->as_table() && top.node("run")->as_table()->get("repeats"))
        r.error(*n, "experiment.repeats: also given as run.repeats; say it in one place");
      else
        p.run.repeats = repeats;
    }
  }
  r.boolean("learning_curves", x.learning_curves);
  r.finish();
  if (p.budget.cycles < 1)
    diags.error(x.pos, "experiment: budget.cycles is 0, so the surrogates pick nothing; set budget.cycles >= 1");
  // Each (surrogate, policy) pairing's requirements are checked with the chain's, in
  // check_policy_pairings (pipeline_parser.cpp), once the whole file is read.
}

}  // namespace alchain
