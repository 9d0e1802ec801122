// Descriptor of the random policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "random.hpp"

ALCHAIN_POLICY_PLUGIN(alchain::plugins::RandomPolicy, "random", "1.0.0",
                      "Uniform random sample of the pool (the baseline).", ALCHAIN_NO_PARAMS)
