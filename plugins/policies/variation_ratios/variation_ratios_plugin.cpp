// Descriptor of the variation_ratios policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "variation_ratios.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"passes", ALCHAIN_PARAM_INT, "20", 2, 1000, nullptr, "Stochastic forward passes T with dropout active."},
};
}  // namespace

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::VariationRatiosPolicy, "variation_ratios", "1.0.0",
                            "Variation ratio 1 - modal votes / T over MC-dropout passes (Freeman 1965; Gal et al. 2017).", kParams, ALCHAIN_FLAG_NEEDS_MC_DROPOUT)
