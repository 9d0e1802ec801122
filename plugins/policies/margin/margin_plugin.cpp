// Descriptor of the margin policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "margin.hpp"

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::MarginPolicy, "margin", "1.0.0", "Smallest gap between the two most likely classes (Scheffer et al. 2001).", ALCHAIN_NO_PARAMS,
                            ALCHAIN_FLAG_BATCH_SCORES)
