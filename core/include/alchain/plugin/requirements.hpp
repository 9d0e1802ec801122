/// The one table of what policies and oracles need of the models they run on, checked by the parsers (descriptor flags), the preflights (created objects) and plugin creation (needs() against flags).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alchain/plugin/plugin_registry.hpp"

namespace alchain {

/// What a pairing offers a policy or oracle, as far as the caller knows it. A requirement whose
/// fact is unknown (e.g. `model` null: the model's name did not resolve) counts as met, because
/// the unknown name is reported where it is read.
struct PairingFacts {
  const PluginInfo* model = nullptr;  ///< the model it runs on (descriptor)
  bool earlier_models = false;        ///< policy: a generation after the first; oracle: companions given
  bool labels_allowed = false;        ///< policy: a reference run (`reference = true`)
  bool reference_model = false;       ///< oracle: assessment.reference given
};

/// One row: a need of one plugin kind, the flag that declares it, and the words of its refusal.
struct Requirement {
  PluginKind kind;          ///< policy or oracle
  std::uint32_t need;       ///< the needs() bit (kNeed* for policies, kOracleNeed* for oracles)
  std::uint32_t flag;       ///< the descriptor flag that declares it (ALCHAIN_FLAG_NEEDS_*)
  const char* flag_name;    ///< the flag's name, for plugin authors
  const char* what;         ///< what needs() asks for, for plugin authors ("MC-dropout passes")
  const char* need_phrase;  ///< what the plugin needs, after its name ("needs a model with ...")
  const char* fix;          ///< what to tell the user when the pairing lacks it (MC dropout: built from the model)
  bool (*met)(const PairingFacts&);
};

/// Every row, policies' and oracles', in the order refusals are reported.
const std::vector<Requirement>& requirements();

/// The refusals of `user` (a policy or oracle) in a pairing with `facts`: `who` followed by the
/// requirement's phrase and fix, one per unmet requirement its descriptor declares.
std::vector<std::string> unmet_requirements(const PluginRegistry& registry, const PluginInfo& user,
                                            const PairingFacts& facts, const std::string& who);

/// The models with MC dropout (ALCHAIN_FLAG_MC_DROPOUT) made for the same task as `model`, as a
/// comma-separated list ("none" if there is none): the hint of a "needs MC dropout" refusal.
std::string mc_dropout_models_like(const PluginRegistry& registry, const PluginInfo& model);

/// The instance check of the MC-dropout requirement, for preflights on created objects: whether
/// an object with `needs` (of a plugin of `kind`) can run on `model` as created, with its
/// parameters (a model that declares the flag may still have dropout 0).
bool stochastic_passes_missing(PluginKind kind, std::uint32_t needs, const Model& model);

/// The one wording of that refusal: "<who> needs a model with dropout at inference (MC dropout);
/// <model> has no dropout > 0: <fix>", `model` as the caller names it ("model 'gen0' (mlp)") and
/// `fix` where to set the dropout, as the caller knows it.
std::string stochastic_passes_message(const std::string& who, const std::string& model, const std::string& fix);

/// Whether `policy` wraps another policy (its string parameter `base`) and passes on that base's
/// needs: the descriptor declares ALCHAIN_FLAG_WRAPPER (since ABI 3.1); a plugin built before 3.1
/// could not, so there a string parameter named `base` still marks a wrapper.
bool is_wrapper_policy(const PluginInfo& policy);

/// Refuses an object whose needs() ask for what its descriptor does not declare (validation
/// trusted the flags): PluginError init_failed naming the file, the need and the flag.
/// `allowed_flags` is the descriptor's flags, or every flag for a wrapper.
void check_needs_declared(const PluginInfo& info, std::uint32_t needs, std::uint32_t allowed_flags);

}  // namespace alchain
