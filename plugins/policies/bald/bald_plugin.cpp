// Descriptor of the bald policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "bald.hpp"

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::BaldPolicy, "bald", "1.0.0",
                            "BALD: mutual information between the prediction and the weights under MC dropout (Houlsby et al. 2011; Gal et al. 2017).", alchain::kMcDropoutParams,
                            ALCHAIN_FLAG_NEEDS_MC_DROPOUT | ALCHAIN_FLAG_BATCH_SCORES)
