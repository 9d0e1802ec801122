// Descriptor of the variation_ratios policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "variation_ratios.hpp"

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::VariationRatiosPolicy, "variation_ratios", "1.0.0",
                            "Variation ratio 1 - modal votes / T over MC-dropout passes (Freeman 1965; Gal et al. 2017).", alchain::kMcDropoutParams,
                            ALCHAIN_FLAG_NEEDS_MC_DROPOUT | ALCHAIN_FLAG_BATCH_SCORES)
