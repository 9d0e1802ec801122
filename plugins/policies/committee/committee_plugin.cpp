// Descriptor of the committee policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "committee.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"measure", ALCHAIN_PARAM_STRING, "\"vote_entropy\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, "vote_entropy|kl",
     "Disagreement measure: vote entropy, or mean KL divergence to the consensus."},
};
}  // namespace

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::CommitteePolicy, "committee", "1.0.0",
                            "Query by committee of the chain's earlier generations and the surrogate (Seung et al. 1992).",
                            kParams, ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS | ALCHAIN_FLAG_BATCH_SCORES)
