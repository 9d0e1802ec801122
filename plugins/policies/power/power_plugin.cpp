// Descriptor of the power policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "power.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"base", ALCHAIN_PARAM_STRING, "\"entropy\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "The score-based policy whose scores are sampled from: a policy plugin (its defaults) or a [policies.<name>] entry of the pipeline (its params)."},
    {"beta", ALCHAIN_PARAM_FLOAT, "1.0", 0.0, 1e6, nullptr,
     "Exponent: 0 samples uniformly, large values approach the base policy's top-k."},
};
}  // namespace

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::PowerPolicy, "power", "1.0.0",
                            "Stochastic batch acquisition: sample with probability proportional to score^beta (Kirsch et al. 2023).",
                            kParams, ALCHAIN_FLAG_WRAPPER)
