// Parses `[assessment]`: the deployed model, its pseudo-oracle, the windows, the sampling design
// and the shift; refuses pairings the estimators cannot use, with file and position.
#include <algorithm>

#include "alchain/assess/estimators.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/plugin/requirements.hpp"
#include "alchain/sdk/abi.h"
#include "pipeline_parts.hpp"

namespace alchain {

namespace {

const std::vector<std::string> kDesigns = {"srs", "stratified", "poisson", "sequential", "top_k"};
const std::vector<std::string> kEstimators = {"srs_wilson", "srs_clopper_pearson", "stratified",
                                              "ppi", "horvitz_thompson", "hansen_hurwitz"};
const std::vector<std::string> kCorruptions = {"none", "blur", "noise", "brightness", "contrast", "rotation"};

/// A model by name: a `[models.<name>]` entry, or a model plugin with its defaults. Returns an
/// empty string, or what is wrong.
std::string resolve_model(const std::string& name, SourcePos pos, const Pipeline& p, const PluginRegistry& registry,
                          ModelEntry& out) {
  for (const ModelEntry& e : p.model_entries)
    if (e.name == name) {
      out = e;
      return "";
    }
  if (!registry.contains(PluginKind::model, name)) {
    std::string known;
    for (const auto& e : p.model_entries) known += (known.empty() ? "" : ", ") + e.name;
    for (const auto& m : registry.names(PluginKind::model)) known += (known.empty() ? "" : ", ") + m;
    return "unknown model '" + name + "' (known: " + (known.empty() ? "none" : known) + ")";
  }
  try {
    const PluginInfo& info = registry.get(PluginKind::model, name);
    out.name = name;
    out.model.plugin = name;
    out.model.version = info.version;
    out.model.params = default_params(info);
    out.model.pos = pos;
    out.training = p.training;
    return "";
  } catch (const std::exception& e) {
    return "model '" + name + "': " + e.what() + "; give it a [models.<name>] entry";
  }
}

/// The model named by `key` of `r`, if present.
bool read_model_name(TableReader& r, const char* key, const Pipeline& p, const PluginRegistry& registry,
                     ModelEntry& out) {
  const toml::node* n = r.node(key);
  std::string name;
  if (!n || !r.string(key, name)) return false;
  const std::string err = resolve_model(name, source_pos(n->source()), p, registry, out);
  if (!err.empty()) r.error(*n, r.path(key) + ": " + err);
  return err.empty();
}

/// A number or a list of numbers in [lo, hi]: one value per window.
void read_per_window(TableReader& r, const char* key, double lo, double hi, std::vector<double>& out) {
  const toml::node* n = r.node(key);
  if (!n) return;
  auto in_range = [&](const toml::node& v, double& x) {
    if (auto* i = v.as_integer()) x = static_cast<double>(i->get());
    else if (auto* f = v.as_floating_point()) x = f->get();
    else {
      r.error(v, r.path(key) + ": expected a number, got " + toml_type_name(v));
      return false;
    }
    if (!(x >= lo && x <= hi)) {
      r.error(v, r.path(key) + ": " + std::to_string(x) + " is outside [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
      return false;
    }
    return true;
  };
  double x = 0;
  if (auto* a = n->as_array()) {
    for (const toml::node& v : *a)
      if (in_range(v, x)) out.push_back(x);
  } else if (in_range(*n, x)) {
    out.push_back(x);
  }
}

/// `companions`: model names, each a `[models.<name>]` entry or a model plugin.
void read_companions(TableReader& r, const Pipeline& p, const PluginRegistry& registry, AssessmentSpec& a) {
  if (const toml::array* arr = r.array("companions")) {
    for (const toml::node& n : *arr) {
      auto* s = n.as_string();
      if (!s) {
        r.error(n, std::string("assessment.companions: expected model names (strings), got ") + toml_type_name(n));
        continue;
      }
      ModelEntry e;
      const std::string err = resolve_model(s->get(), source_pos(n.source()), p, registry, e);
      if (err.empty()) a.companions.push_back(e);
      else r.error(n, "assessment.companions: " + err);
    }
  }
}

/// `[assessment.sampling]`: the design, the estimator (compatible with it) and their parameters.
void read_sampling(TableReader& r, AssessmentSampling& s, Diagnostics& diags) {
  if (const toml::table* st = r.table("sampling")) {
    TableReader sr(*st, "assessment.sampling", diags);
    s.pos = source_pos(st->source());
    s.budget_pos = s.pos;
    if (const toml::node* bn = sr.node("budget")) s.budget_pos = source_pos(bn->source());
    sr.integer("budget", s.budget, 1);
    sr.real("tau", s.tau, 0.0, 1.0);
    sr.integer("strata", s.strata, 1, 1000);
    sr.real("level", s.level, 0.0, 1.0, true, true);
    const toml::node* dn = sr.node("design");
    const toml::node* en = sr.node("estimator");
    std::string design = assess::to_string(s.design), estimator = assess::to_string(s.estimator);
    const bool design_ok = sr.string("design", design, kDesigns);
    const bool estimator_ok = sr.string("estimator", estimator, kEstimators);
    if (design_ok && design != "top_k") s.design = assess::design_from_string(design);
    if (estimator_ok) s.estimator = assess::estimator_from_string(estimator);
    if (design == "top_k" && design_ok) {
      sr.error(*dn, "assessment.sampling.design: 'top_k' picks the inputs a score ranks first; every other input has "
                    "inclusion probability 0, so no estimator can be unbiased for the window's accuracy. It finds "
                    "failures, it does not estimate: use 'sequential' (failure-seeking, with logged probabilities)");
    } else if (design_ok && estimator_ok) {
      if (!assess::compatible(s.estimator, s.design))
        sr.error(en ? *en : *st, "assessment.sampling.estimator: '" + estimator + "' cannot use the inclusion "
                                 "probabilities of design '" + design + "' (it needs: " +
                                 assess::compatible_designs(s.estimator) + ")");
    }
    sr.finish();
  }
}

/// `[assessment.shift]`: the corruption and its severity and prior shift per window.
void read_shift(TableReader& r, AssessmentSpec& a, Diagnostics& diags) {
  if (const toml::table* sh = r.table("shift")) {
    TableReader hr(*sh, "assessment.shift", diags);
    const bool corruption_ok = hr.string("corruption", a.shift.corruption, kCorruptions) || !hr.node("corruption");
    read_per_window(hr, "severity", 0.0, 5.0, a.shift.severity);
    read_per_window(hr, "prior_shift", 0.0, 1.0, a.shift.prior_shift);
    for (const char* key : {"severity", "prior_shift"}) {
      const auto& v = std::string(key) == "severity" ? a.shift.severity : a.shift.prior_shift;
      if (v.size() > 1 && static_cast<int>(v.size()) != a.windows)
        hr.error(*hr.node(key), hr.path(key) + ": " + std::to_string(v.size()) + " values for " +
                                    std::to_string(a.windows) + " windows (give one per window, or one for all)");
    }
    if (corruption_ok && a.shift.corruption == "none" && !a.shift.severity.empty() &&
        std::any_of(a.shift.severity.begin(), a.shift.severity.end(), [](double x) { return x > 0; }))
      hr.error(*hr.node("severity"), "assessment.shift.severity: given with corruption = \"none\"; name a corruption");
    hr.finish();
  }
}

/// The oracle's requirements against the models it would run on.
void check_oracle_requirements(const AssessmentSpec& a, const PluginRegistry& registry, Diagnostics& diags) {
  if (!a.oracle.plugin.empty() && registry.contains(PluginKind::oracle, a.oracle.plugin)) {
    try {
      const PluginInfo& o = registry.get(PluginKind::oracle, a.oracle.plugin);
      PairingFacts facts;
      // Looked up only when needed: a duplicate model name is reported where it is read.
      if (o.has(ALCHAIN_FLAG_NEEDS_MC_DROPOUT) && !a.model.model.plugin.empty() &&
          registry.contains(PluginKind::model, a.model.model.plugin))
        facts.model = &registry.get(PluginKind::model, a.model.model.plugin);
      facts.earlier_models = !a.companions.empty();
      facts.reference_model = !a.reference.model.plugin.empty();
      for (const std::string& refusal : unmet_requirements(registry, o, facts, "assessment.oracle: oracle '" + o.name + "'"))
        diags.error(a.oracle.pos, refusal);
    } catch (const PluginError&) {  // duplicates are reported where the name is read
    }
  }
}

}  // namespace

void parse_assessment(TableReader& top, Pipeline& p, const PluginRegistry& registry, Diagnostics& diags) {
  const toml::table* at = top.table("assessment");
  if (!at) return;
  AssessmentSpec& a = p.assessment;
  a.present = true;
  a.pos = source_pos(at->source());
  TableReader r(*at, "assessment", diags);
  if (!read_model_name(r, "model", p, registry, a.model) && !r.node("model"))
    diags.error(a.pos, "assessment.model: missing (the deployed model: a model plugin or a [models.<name>] entry)");
  r.integer("train", a.train, 2);
  r.integer("calibration", a.calibration, 0);
  r.integer("windows", a.windows, 1, 1000);
  r.integer("window_size", a.window_size, 2);
  r.boolean("retrain", a.retrain);
  r.integer("reference_train", a.reference_train, 0);
  read_companions(r, p, registry, a);
  read_model_name(r, "reference", p, registry, a.reference);
  read_plugin_ref(r, "oracle", "oracle_params", PluginKind::oracle, registry, diags, a.oracle, true);

  AssessmentSampling& s = a.sampling;
  s.pos = a.pos;
  read_sampling(r, s, diags);
  read_shift(r, a, diags);
  r.finish();

  if (s.budget > a.window_size)
    diags.error(s.budget_pos, "assessment.sampling.budget: " + std::to_string(s.budget) +
                                  " labels per window is more than the window (" + std::to_string(a.window_size) +
                                  " inputs)");
  check_oracle_requirements(a, registry, diags);
}

}  // namespace alchain
