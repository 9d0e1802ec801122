// Descriptor of the bald policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "bald.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"passes", ALCHAIN_PARAM_INT, "20", 2, 1000, nullptr, "Stochastic forward passes T with dropout active."},
};
}  // namespace

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::BaldPolicy, "bald", "1.0.0",
                            "BALD: mutual information between the prediction and the weights under MC dropout (Houlsby et al. 2011; Gal et al. 2017).", kParams, ALCHAIN_FLAG_NEEDS_MC_DROPOUT)
