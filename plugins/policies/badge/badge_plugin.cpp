// Descriptor of the badge policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "badge.hpp"

ALCHAIN_POLICY_PLUGIN(alchain::plugins::BadgePolicy, "badge", "1.0.0",
                      "BADGE: k-means++ seeding on last-layer gradient embeddings (Ash et al. 2020).", ALCHAIN_NO_PARAMS)
