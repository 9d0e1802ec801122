// Descriptor of the mc_dropout pseudo-oracle plugin.
#include "alchain/sdk/plugin.hpp"
#include "mc_dropout.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"passes", ALCHAIN_PARAM_INT, "20", 2, 1000, nullptr, "Stochastic forward passes T with dropout active."},
    {"threshold", ALCHAIN_PARAM_FLOAT, "0.5", 0.0, 1.0, nullptr,
     "A prediction is judged correct when f >= threshold."},
};
}  // namespace

ALCHAIN_ORACLE_PLUGIN(alchain::plugins::McDropoutOracle, "mc_dropout", "1.0.0",
                      "Mean probability of the deployed prediction over MC-dropout passes (Gal & Ghahramani 2016).",
                      kParams, ALCHAIN_FLAG_NEEDS_MC_DROPOUT)
