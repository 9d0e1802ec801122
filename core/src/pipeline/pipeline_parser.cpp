// Parses a pipeline file into the typed Pipeline, reporting every error with its position.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include "alchain/pipeline/device_assignment.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/plugin/requirements.hpp"
#include "alchain/util/digest.hpp"
#include "alchain/sdk/abi.h"
#include "pipeline_parts.hpp"
#include "alchain/util/toml_text.hpp"
#include "alchain/util/text.hpp"
#include "toml_reader.hpp"

namespace alchain {

std::int64_t Count::resolve(std::int64_t pool) const {
  // A count is kept as a double: 2^63 - 1 rounds up to 2^63, which no int64 holds.
  if (!is_fraction)
    return value >= 0x1p63 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(value);
  const auto n = static_cast<std::int64_t>(value * static_cast<double>(pool));
  return n < 1 ? 1 : n;
}

namespace {

/// A count (integer >= 1 or >= 0) or a fraction in (0, 1).
void read_count(TableReader& r, const char* key, Count& out, bool allow_zero) {
  const toml::node* n = r.node(key);
  if (!n) return;
  if (auto* i = n->as_integer()) {
    if (i->get() >= (allow_zero ? 0 : 1)) {
      out = {false, static_cast<double>(i->get())};
      return;
    }
  } else if (auto* f = n->as_floating_point()) {
    if (f->get() > 0.0 && f->get() < 1.0) {
      out = {true, f->get()};
      return;
    }
  }
  r.error(*n, r.path(key) + ": expected a count (integer >= " + (allow_zero ? "0" : "1") +
                  ") or a fraction of the pool (float in (0, 1))");
}

void read_training(TableReader& r, TrainingOptions& t) {
  r.integer("epochs", t.epochs, 1);
  r.integer("batch_size", t.batch_size, 2);
  r.real("lr", t.lr, 0.0, {}, true);
  r.real("momentum", t.momentum, 0.0, 1.0, false, true);
  r.boolean("nesterov", t.nesterov);
  r.real("weight_decay", t.weight_decay, 0.0);
  r.string("schedule", t.schedule, {"constant", "cosine", "step"});
  r.integer("step_epochs", t.step_epochs, 0);
  r.real("gamma", t.gamma, 0.0, 1.0, true, false);
  r.integer("min_steps", t.min_steps, 0, 100000000);
  r.integer("augment_crop_padding", t.augment_crop_padding, 0, 64);
  r.boolean("augment_hflip", t.augment_hflip);
  r.finish();
}

/// `plugin` key of `kind` from table `r`, with its parameters from `params_key`.
void read_plugin(TableReader& r, const char* key, const char* params_key, PluginKind kind,
                 const PluginRegistry& registry, Diagnostics& diags, PluginRef& out, bool required) {
  const toml::node* n = r.node(key);
  const toml::table* params = r.table(params_key);
  if (!n) {
    if (required) diags.error(r.pos(), r.path(key) + ": missing (the " + std::string(to_string(kind)) + " plugin's name)");
    if (params) r.error(*params, r.path(params_key) + ": given without '" + key + "'");
    return;
  }
  auto* s = n->as_string();
  if (!s) {
    r.error(*n, r.path(key) + ": expected a plugin name (string), got " + toml_type_name(*n));
    return;
  }
  out.plugin = s->get();
  out.pos = source_pos(n->source());
  if (!registry.contains(kind, out.plugin)) {
    r.error(*n, r.path(key) + ": " + unknown_name_message(to_string(kind), out.plugin, registry.names(kind)));
    return;
  }
  try {
    const PluginInfo& info = registry.get(kind, out.plugin);
    out.version = info.version;
    out.params = resolve_plugin_params(info, params, r.path(params_key), out.pos, diags);
  } catch (const PluginError& e) {  // duplicate name
    r.error(*n, r.path(key) + ": " + e.what());
  }
}

}  // namespace

namespace {

/// Static requirements between a generation's policy and model (descriptor flags).
void check_requirements(const GenerationSpec& g, std::size_t index, const std::string& prefix,
                        const PluginRegistry& registry, Diagnostics& diags) {
  if (g.policy.plugin.empty() || !registry.contains(PluginKind::policy, g.policy.plugin) ||
      !registry.contains(PluginKind::model, g.model.plugin))
    return;
  try {
    const PluginInfo& policy = registry.get(PluginKind::policy, g.policy.plugin);
    PairingFacts facts;
    facts.model = &registry.get(PluginKind::model, g.model.plugin);
    facts.earlier_models = index > 0;
    facts.labels_allowed = g.reference;
    for (const std::string& refusal :
         unmet_requirements(registry, policy, facts, prefix + ".policy: policy '" + policy.name + "'"))
      diags.error(g.policy.pos, refusal);
  } catch (const PluginError&) {  // duplicates are reported where the name is read
  }
}

/// A wrapper policy (ALCHAIN_FLAG_WRAPPER, as power) is checked through its base (its string
/// parameter `base`): the base must exist, and its requirements hold against the same model and index.
void check_wrapped_base(const GenerationSpec& g, std::size_t index, const std::string& prefix,
                        const std::vector<PolicyEntry>& entries, const PluginRegistry& registry, Diagnostics& diags,
                        int depth = 0) {
  if (!registry.contains(PluginKind::policy, g.policy.plugin) || !g.policy.params.has("base")) return;
  try {
    if (!is_wrapper_policy(registry.get(PluginKind::policy, g.policy.plugin))) return;
  } catch (const PluginError&) {  // duplicates are reported where the name is read
    return;
  }
  const auto& values = g.policy.params.values();
  const auto* base = std::get_if<std::string>(&values.at("base"));
  if (!base) return;
  GenerationSpec b = g;
  b.policy.pos = g.policy.pos;
  const std::string who = prefix + ".policy: policy '" + g.policy.plugin + "': base '" + *base + "'";
  if (depth >= 8) {
    diags.error(g.policy.pos, who + ": wrapped policies nest more than 8 deep (a cycle of bases?)");
    return;
  }
  auto entry = std::find_if(entries.begin(), entries.end(), [&](const PolicyEntry& e) { return e.name == *base; });
  if (entry != entries.end()) {
    b.policy.plugin = entry->policy.plugin;
    b.policy.params = entry->policy.params;
    b.reference = g.reference;  // a base that reads labels needs the wrapper to be a reference run
  } else if (registry.contains(PluginKind::policy, *base)) {
    b.policy.plugin = *base;
    try {
      b.policy.params = default_params(registry.get(PluginKind::policy, *base));
    } catch (const std::exception& e) {
      diags.error(g.policy.pos, who + ": " + e.what() + "; give it as a [policies.<name>] entry with its params");
      return;
    }
  } else {
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e.name);
    for (const auto& n : registry.names(PluginKind::policy)) names.push_back(n);
    diags.error(g.policy.pos, who + " is neither a [policies.<name>] entry nor a policy plugin (known: " + join(names) + ")");
    return;
  }
  check_requirements(b, index, prefix + " (base '" + *base + "')", registry, diags);
  check_wrapped_base(b, index, prefix + " (base '" + *base + "')", entries, registry, diags, depth + 1);
}

/// The text as a TOML table, or nullopt after reporting why it is not one.
std::optional<toml::table> parse_toml(const std::string& text, const std::string& path, Diagnostics& diags) {
  if (const auto hazard = find_toml_hazard(text)) {
    diags.error({hazard->line, hazard->column}, hazard->message);
    return std::nullopt;
  }
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    diags.error(source_pos(e.source()), std::string(e.description()));
    return std::nullopt;
  }
}

/// `schema`: false when the file is of another schema, which is not checked further.
bool read_schema(TableReader& top, Diagnostics& diags) {
  if (const toml::node* n = top.node("schema")) {
    auto* v = n->as_integer();
    if (!v || v->get() != kPipelineSchema) {
      top.error(*n, "schema: this alchain reads schema = " + std::to_string(kPipelineSchema) + ", got " +
                        (v ? std::to_string(v->get()) : std::string(toml_type_name(*n))));
      return false;
    }
  } else {
    diags.error({1, 1}, "schema: missing; a pipeline file starts with 'schema = " +
                            std::to_string(kPipelineSchema) + "'");
  }
  return true;
}

/// `run.devices`: instead of `run.device`, a list of "cpu" or "cuda:<index>" of one kind to spread
/// processes over (a device listed twice gets twice the processes); `run.device` then says the kind.
void read_devices(TableReader& r, const toml::table& t, RunOptionsSpec& run) {
  const toml::array* a = r.array("devices");
  if (!a) return;
  run.devices_pos = source_pos(a->source());
  if (t.get("device")) {
    r.error(*a, "run.devices: give run.device or run.devices, not both");
    return;
  }
  if (a->empty()) {
    r.error(*a, "run.devices: empty; list the devices to spread processes over, or leave it out");
    return;
  }
  std::vector<std::string> devices;
  for (const toml::node& n : *a) {
    const auto* s = n.as_string();
    if (!s) {
      r.error(n, std::string("run.devices: expected device names (strings), got ") + toml_type_name(n));
    } else if (s->get() == "cuda") {
      r.error(n, "run.devices: 'cuda': name each device, cuda:<index>");
    } else if (!is_device_name(s->get())) {
      r.error(n, "run.devices: '" + s->get() + "': cpu or cuda:<index>");
    } else {
      devices.push_back(s->get());
    }
  }
  if (devices.size() != a->size()) return;
  const bool cpu = devices.front() == "cpu";
  if (std::any_of(devices.begin(), devices.end(), [&](const std::string& d) { return (d == "cpu") != cpu; })) {
    r.error(*a, "run.devices: mixes cpu and cuda; a run's trials compute on one kind of device");
    return;
  }
  run.devices = devices;
  run.device = cpu ? "cpu" : "cuda";
}

void read_run(const toml::table& t, RunOptionsSpec& run, Diagnostics& diags) {
  TableReader r(t, "run", diags);
  std::int64_t seed = 0;
  if (r.integer("seed", seed, 0)) run.seed = static_cast<std::uint64_t>(seed);
  r.integer("repeats", run.repeats, 1, 1000);
  r.integer("threads", run.threads, 0, 1024);
  r.integer("inference_batch_size", run.inference_batch_size, 1, 1 << 20);
  if (r.integer("data_parallel_ranks", run.data_parallel_ranks, 1, 4096))
    run.data_parallel_ranks_pos = source_pos(t.get("data_parallel_ranks")->source());
  if (r.string("device", run.device)) {
    run.device_pos = source_pos(t.get("device")->source());
    // The syntax here; whether this build and machine have the device, at preflight.
    if (!is_device_name(run.device)) {
      diags.error(run.device_pos, "run.device: '" + run.device + "': cpu, cuda or cuda:<index>");
      run.device = "cpu";
    }
  }
  read_devices(r, t, run);
  r.finish();
}

/// `[hardware]`: name = TOPS, another accelerator or another rate for one of the fleet's.
void read_hardware(TableReader& top, const toml::table& t, std::vector<Hardware>& hardware) {
  for (const auto& [key, node] : t) {
    const std::string name(key.str());
    const std::string where = "hardware." + name;
    const auto* v = node.is_number() ? &node : nullptr;
    const double tops = v ? node.value<double>().value_or(0) : 0;
    if (!plain_name(name)) {
      top.error(node, where + ": a hardware name uses letters, digits, '_', '-' and '.' only");
    } else if (!v || !(tops > 0) || tops > 1e9) {
      top.error(node, where + ": expected the accelerator's TOPS, a number > 0");
    } else {
      auto same = std::find_if(hardware.begin(), hardware.end(), [&](const Hardware& h) { return h.name == name; });
      if (same == hardware.end()) same = hardware.insert(hardware.end(), Hardware{name, 0, ""});
      same->tops = tops;
      same->note = "set in the pipeline";
    }
  }
}

/// The tables every kind of pipeline may have: [run], [dataset], [budget], [training],
/// [baseline] and [hardware].
void read_common_tables(TableReader& top, Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  if (const toml::table* t = top.table("run")) read_run(*t, p.run, diags);
  if (const toml::table* t = top.table("dataset")) {
    TableReader r(*t, "dataset", diags);
    read_plugin(r, "plugin", "params", PluginKind::dataset, registry, diags, p.dataset, true);
    r.finish();
  } else {
    diags.error({1, 1}, "dataset: missing table [dataset]");
  }
  if (const toml::table* t = top.table("budget")) {
    TableReader r(*t, "budget", diags);
    p.budget.pos = source_pos(t->source());
    read_count(r, "initial", p.budget.initial, false);
    read_count(r, "per_cycle", p.budget.per_cycle, false);
    r.integer("cycles", p.budget.cycles, 0, 10000);
    r.finish();
  }
  if (const toml::table* t = top.table("training")) {
    TableReader r(*t, "training", diags);
    read_training(r, p.training);
  }
  if (const toml::table* t = top.table("baseline")) {
    TableReader r(*t, "baseline", diags);
    r.boolean("random", p.random_baseline);
    r.boolean("learning_curve", p.random_learning_curve);
    r.finish();  // random picks need no plugin: they are prefixes of the repeat's random order
  }
  if (const toml::table* t = top.table("hardware")) read_hardware(top, *t, p.hardware);
}

/// The generation's name: given (plain, not taken) or its default, which must not be taken either.
void read_generation_name(TableReader& r, const toml::table& gt, const std::string& prefix, GenerationSpec& g,
                          std::set<std::string>& generation_names) {
  r.string("name", g.name);
  if (const toml::node* nn = gt.get("name"); nn && nn->is_string()) {
    if (!plain_name(g.name))
      r.error(*nn, prefix + ".name: a generation name uses letters, digits, '_', '-' and '.' only (it names trials and HDF5 groups)");
    else if (!generation_names.insert(g.name).second)
      r.error(*nn, prefix + ".name: '" + g.name + "' already names another generation");
  } else if (!generation_names.insert(g.name).second) {
    r.error(gt, prefix + ": its default name '" + g.name + "' is taken by another generation; give it a name");
  }
}

/// `hardware` and `max_latency_ms` of a generation.
void read_generation_hardware(TableReader& r, const toml::table& gt, const std::string& prefix,
                              const std::vector<Hardware>& hardware, GenerationSpec& g) {
  if (r.string("hardware", g.hardware)) {
    g.hardware_pos = source_pos(gt.get("hardware")->source());
    if (!find_hardware(hardware, g.hardware)) {
      std::vector<std::string> known;
      for (const auto& h : hardware) known.push_back(h.name);
      r.error(*gt.get("hardware"), prefix + ".hardware: unknown hardware '" + g.hardware + "' (known: " + join(known) +
                                       "; add one in [hardware] as name = TOPS)");
    }
  }
  if (r.real("max_latency_ms", g.max_latency_ms, 0.0, 1e9, true)) {
    g.latency_pos = source_pos(gt.get("max_latency_ms")->source());
    if (g.hardware.empty())
      r.error(*gt.get("max_latency_ms"), prefix + ".max_latency_ms: a latency limit needs the generation's hardware "
                                                  "(hardware = \"tx2\", \"xavier\", \"orin\" or one of [hardware])");
  }
}

/// `[[generation]]` number `i`.
GenerationSpec read_generation(const toml::table& gt, std::size_t i, const Pipeline& p, const PluginRegistry& registry,
                               Diagnostics& diags, std::set<std::string>& generation_names) {
  const std::string prefix = "generation[" + std::to_string(i) + "]";
  TableReader r(gt, prefix, diags);
  GenerationSpec g;
  g.name = "gen" + std::to_string(i);
  g.cycles = p.budget.cycles;
  g.training = p.training;
  read_generation_name(r, gt, prefix, g, generation_names);
  r.integer("cycles", g.cycles, 0, 10000);
  read_plugin(r, "model", "model_params", PluginKind::model, registry, diags, g.model, true);
  read_plugin(r, "policy", "policy_params", PluginKind::policy, registry, diags, g.policy, g.cycles > 0);
  r.boolean("reference", g.reference);
  read_pixel_reduction(r, g.reduction);
  read_model_weights(r, std::filesystem::path(p.path).parent_path().string(), g.weights);
  read_generation_hardware(r, gt, prefix, p.hardware, g);
  check_requirements(g, i, prefix, registry, diags);
  if (const toml::table* tt = r.table("training")) {
    TableReader tr(*tt, prefix + ".training", diags);
    read_training(tr, g.training);
  }
  r.finish();
  return g;
}

/// `[[generation]]`: the chain, unless the pipeline is a matrix or an assessment (one kind only).
void read_chain(TableReader& top, Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  const toml::node* gens = top.node("generation");
  const toml::array* arr = gens ? gens->as_array() : nullptr;
  if (p.experiment.present && p.assessment.present) {
    diags.error(p.assessment.pos, "assessment: a pipeline is a matrix ([experiment]) or an assessment ([assessment]), not both");
  } else if (gens && (p.experiment.present || p.assessment.present)) {
    top.error(*gens, std::string("generation: a pipeline is either a chain ([[generation]]) or ") +
                         (p.experiment.present ? "a matrix ([experiment])" : "an assessment ([assessment])") + ", not both");
  } else if (gens && (!arr || !arr->is_array_of_tables())) {
    top.error(*gens, "generation: expected an array of tables ([[generation]])");
  } else if (p.experiment.present || p.assessment.present) {
  } else if (!arr || arr->empty()) {
    diags.error({1, 1}, "generation: a pipeline needs at least one [[generation]] (a chain), an [experiment] (a matrix) "
                        "or an [assessment]");
  } else {
    std::set<std::string> generation_names;
    for (std::size_t i = 0; i < arr->size(); ++i)
      p.generations.push_back(read_generation(*(*arr)[i].as_table(), i, p, registry, diags, generation_names));
  }
}

}  // namespace

void check_policy_pairings(const Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  for (std::size_t i = 0; i < p.generations.size(); ++i)
    if (!p.generations[i].policy.plugin.empty())
      check_wrapped_base(p.generations[i], i, "generation[" + std::to_string(i) + "]", p.policy_entries, registry,
                         diags);
  // A matrix: every (surrogate, policy) pairing is a generation 0 of its own chain.
  for (const PolicyEntry& pe : p.experiment.policies)
    for (const ModelEntry& s : p.experiment.surrogates) {
      GenerationSpec g;
      g.name = s.name;
      g.model = s.model;
      g.policy = pe.policy;
      g.reference = pe.reference;
      const std::string prefix = "experiment.policies['" + pe.name + "'] with surrogate '" + s.name + "'";
      check_requirements(g, 0, prefix, registry, diags);
      check_wrapped_base(g, 0, prefix, p.policy_entries, registry, diags);
    }
}

Pipeline parse_pipeline(const std::string& text, const std::string& path, const PluginRegistry& registry,
                        Diagnostics& diags) {
  Pipeline p;
  p.path = path;
  p.text = text;
  p.name = std::filesystem::path(path).stem().string();
  const std::optional<toml::table> root = parse_toml(text, path, diags);
  if (!root) return p;
  TableReader top(*root, "", diags);
  if (!read_schema(top, diags)) return p;
  top.string("name", p.name);
  top.string("description", p.description);
  read_common_tables(top, p, registry, diags);
  parse_experiment(top, p, registry, diags);
  parse_assessment(top, p, registry, diags);
  read_chain(top, p, registry, diags);
  top.finish();
  check_policy_pairings(p, registry, diags);
  return p;
}

Pipeline load_pipeline(const std::filesystem::path& file, const PluginRegistry& registry) {
  std::ifstream in(file, std::ios::binary);
  Diagnostics diags(file.string());
  if (!in) {
    diags.error({}, "cannot open pipeline file");
    throw InputError(diags);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  Pipeline p = parse_pipeline(ss.str(), file.string(), registry, diags);
  if (!diags.empty()) throw InputError(diags);
  return p;
}

}  // namespace alchain

namespace alchain {

void read_plugin_ref(TableReader& r, const char* key, const char* params_key, PluginKind kind,
                     const PluginRegistry& registry, Diagnostics& diags, PluginRef& out, bool required) {
  read_plugin(r, key, params_key, kind, registry, diags, out, required);
}

void read_training_options(TableReader& r, TrainingOptions& t) { read_training(r, t); }

void read_model_weights(TableReader& r, const std::string& base_dir, ModelWeights& out) {
  const toml::node* n = r.node("weights");
  if (n && r.string("weights", out.path)) {
    out.pos = source_pos(n->source());
    const std::string written = out.path;
    std::filesystem::path file(out.path);
    if (file.is_relative() && !base_dir.empty()) file = std::filesystem::path(base_dir) / file;
    out.path = file.lexically_normal().string();
    std::error_code ec;
    if (written.empty() || !std::filesystem::is_regular_file(file, ec)) {
      r.error(*n, r.path("weights") + ": no file '" + written + "'" +
                      (std::filesystem::path(written).is_relative() ? " (relative to the pipeline's folder)" : ""));
      out.path.clear();
    } else {
      try {
        out.digest = file_digest(out.path);
      } catch (const std::exception& e) {
        r.error(*n, r.path("weights") + ": " + e.what());
        out.path.clear();
      }
    }
  }
  if (const toml::node* in = r.node("weights_into"); in && r.string("weights_into", out.into)) {
    if (!n) r.error(*in, r.path("weights_into") + ": given without 'weights'");
    else if (out.into.empty() || out.into.front() == '.' || out.into.back() == '.')
      r.error(*in, r.path("weights_into") + ": expected a submodule's name such as \"backbone\"");
  }
}

void read_pixel_reduction(TableReader& r, PixelReduction& out) {
  r.string("reduction", out.method, {"mean", "max", "top_fraction_mean"});
  r.real("reduction_fraction", out.fraction, 0.0, 1.0, /*min_exclusive=*/true);
}

}  // namespace alchain
