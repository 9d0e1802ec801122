// Descriptor of the least_confidence policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "least_confidence.hpp"

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::LeastConfidencePolicy, "least_confidence", "1.0.0", "Lowest top-class probability, score 1 - max p (Lewis & Gale 1994).", ALCHAIN_NO_PARAMS,
                            ALCHAIN_FLAG_BATCH_SCORES)
