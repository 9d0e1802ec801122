// The requirements table of policies and oracles, and the checks and messages built from it.
#include "alchain/plugin/requirements.hpp"

#include "alchain/sdk/abi.h"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/util/text.hpp"

namespace alchain {

namespace {

bool has_stochastic_model(const PairingFacts& f) { return !f.model || f.model->has(ALCHAIN_FLAG_MC_DROPOUT); }
bool has_earlier_models(const PairingFacts& f) { return f.earlier_models; }
bool has_labels(const PairingFacts& f) { return f.labels_allowed; }
bool has_reference_model(const PairingFacts& f) { return f.reference_model; }

constexpr const char* kMcPhrase = "needs a model with dropout at inference (MC dropout)";

}  // namespace

const std::vector<Requirement>& requirements() {
  static const std::vector<Requirement> table = {
      {PluginKind::policy, kNeedMcLogits, ALCHAIN_FLAG_NEEDS_MC_DROPOUT, "ALCHAIN_FLAG_NEEDS_MC_DROPOUT",
       "MC-dropout passes", kMcPhrase, nullptr, has_stochastic_model},
      {PluginKind::oracle, kOracleNeedMcLogits, ALCHAIN_FLAG_NEEDS_MC_DROPOUT, "ALCHAIN_FLAG_NEEDS_MC_DROPOUT",
       "MC-dropout passes", kMcPhrase, nullptr, has_stochastic_model},
      {PluginKind::policy, kNeedCommittee, ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS,
       "ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS", "the committee of earlier generations",
       "uses the chain's earlier generations", "generation 0 has none (use it from generation 1 on)",
       has_earlier_models},
      {PluginKind::oracle, kOracleNeedCompanions, ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS,
       "ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS", "companion models", "compares the deployed model with others",
       "list them in assessment.companions", has_earlier_models},
      {PluginKind::policy, kNeedLabels, ALCHAIN_FLAG_USES_LABELS, "ALCHAIN_FLAG_USES_LABELS", "true labels",
       "reads the true labels", "mark the generation 'reference = true' to run it as a reference", has_labels},
      {PluginKind::oracle, kOracleNeedReference, ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL,
       "ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL", "a reference model", "uses a reference model's prediction",
       "name it in assessment.reference", has_reference_model},
  };
  return table;
}

std::string mc_dropout_models_like(const PluginRegistry& registry, const PluginInfo& model) {
  std::vector<std::string> with;
  for (const auto& name : registry.names(PluginKind::model)) {
    const PluginInfo& m = registry.get(PluginKind::model, name);
    if (m.has(ALCHAIN_FLAG_MC_DROPOUT) && m.has(ALCHAIN_FLAG_SEGMENTATION) == model.has(ALCHAIN_FLAG_SEGMENTATION))
      with.push_back(name);
  }
  return with.empty() ? "none" : join(with, ", ");
}

std::vector<std::string> unmet_requirements(const PluginRegistry& registry, const PluginInfo& user,
                                            const PairingFacts& facts, const std::string& who) {
  std::vector<std::string> out;
  for (const Requirement& r : requirements()) {
    if (r.kind != user.kind || !user.has(r.flag) || r.met(facts)) continue;
    const std::string fix = r.fix ? std::string(r.fix)
                                  : "model '" + facts.model->name + "' has none (models with it: " +
                                        mc_dropout_models_like(registry, *facts.model) + ")";
    out.push_back(who + " " + r.need_phrase + "; " + fix);
  }
  return out;
}

bool stochastic_passes_missing(PluginKind kind, std::uint32_t needs, const Model& model) {
  const std::uint32_t mc = kind == PluginKind::oracle ? static_cast<std::uint32_t>(kOracleNeedMcLogits)
                                                      : static_cast<std::uint32_t>(kNeedMcLogits);
  return (needs & mc) && !model.stochastic_passes_available();
}

std::string stochastic_passes_message(const std::string& who, const std::string& model, const std::string& fix) {
  return who + " " + kMcPhrase + "; " + model + " has no dropout > 0: " + fix;
}

bool is_wrapper_policy(const PluginInfo& policy) {
  if (policy.kind != PluginKind::policy) return false;
  if (policy.has(ALCHAIN_FLAG_WRAPPER)) return true;
  if (policy.abi_minor >= 1) return false;
  for (const ParamSpec& p : policy.params)
    if (p.name == "base" && p.type == ParamType::string) return true;
  return false;
}

void check_needs_declared(const PluginInfo& info, std::uint32_t needs, std::uint32_t allowed_flags) {
  for (const Requirement& r : requirements())
    if (r.kind == info.kind && (needs & r.need) && !(allowed_flags & r.flag))
      throw PluginError(PluginErrorKind::init_failed, info.file,
                        std::string(to_string(info.kind)) + " '" + info.name + "' (" + info.file + ") asks for " +
                            r.what + " in needs() but its descriptor does not declare " + r.flag_name +
                            ", so validation could not check its pairing; refused (declare the flag)");
}

}  // namespace alchain
