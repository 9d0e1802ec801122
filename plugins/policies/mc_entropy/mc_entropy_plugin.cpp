// Descriptor of the mc_entropy policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "mc_entropy.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"passes", ALCHAIN_PARAM_INT, "20", 2, 1000, nullptr, "Stochastic forward passes T with dropout active."},
};
}  // namespace

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::McEntropyPolicy, "mc_entropy", "1.0.0",
                            "Predictive entropy of the mean softmax over MC-dropout passes (Gal et al. 2017).", kParams, ALCHAIN_FLAG_NEEDS_MC_DROPOUT)
