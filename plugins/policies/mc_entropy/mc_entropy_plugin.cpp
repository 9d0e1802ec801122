// Descriptor of the mc_entropy policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "mc_entropy.hpp"

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::McEntropyPolicy, "mc_entropy", "1.0.0",
                            "Predictive entropy of the mean softmax over MC-dropout passes (Gal et al. 2017).", alchain::kMcDropoutParams,
                            ALCHAIN_FLAG_NEEDS_MC_DROPOUT | ALCHAIN_FLAG_BATCH_SCORES)
