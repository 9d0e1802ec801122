// Descriptor of the reference_model pseudo-oracle plugin.
#include "alchain/sdk/plugin.hpp"
#include "reference_model.hpp"

ALCHAIN_ORACLE_PLUGIN(alchain::plugins::ReferenceModelOracle, "reference_model", "1.0.0",
                      "A reference model's prediction as pseudo-label: f is its probability of the deployed prediction.",
                      ALCHAIN_NO_PARAMS, ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL)
