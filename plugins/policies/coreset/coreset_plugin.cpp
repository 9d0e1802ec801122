// Descriptor of the coreset policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "coreset.hpp"

ALCHAIN_POLICY_PLUGIN(alchain::plugins::CoresetPolicy, "coreset", "1.0.0",
                      "Core-set: k-center greedy on the surrogate's embedding from the labeled set (Sener & Savarese 2018).",
                      ALCHAIN_NO_PARAMS)
