// Descriptor of the agreement pseudo-oracle plugin.
#include "agreement.hpp"
#include "alchain/sdk/plugin.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"soft", ALCHAIN_PARAM_BOOL, "false", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "false: f is the fraction of companions with the same argmax; true: their mean probability of the deployed prediction."},
    {"threshold", ALCHAIN_PARAM_FLOAT, "0.5", 0.0, 1.0, nullptr,
     "A prediction is judged correct when f >= threshold."},
};
}  // namespace

ALCHAIN_ORACLE_PLUGIN(alchain::plugins::AgreementOracle, "agreement", "1.0.0",
                      "Agreement of companion models (a chain's earlier generations) with the deployed model's prediction.",
                      kParams, ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS)
