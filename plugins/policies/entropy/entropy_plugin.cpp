// Descriptor of the entropy policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "entropy.hpp"

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::EntropyPolicy, "entropy", "1.0.0", "Highest softmax entropy -sum p log p of the surrogate (Shannon 1948; Settles 2009).", ALCHAIN_NO_PARAMS,
                            ALCHAIN_FLAG_BATCH_SCORES)
