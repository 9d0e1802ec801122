// Descriptor of the true_loss policy plugin.
#include "alchain/sdk/plugin.hpp"
#include "true_loss.hpp"

ALCHAIN_POLICY_PLUGIN_FLAGS(alchain::plugins::TrueLossPolicy, "true_loss", "1.0.0",
                            "Reference: highest cross-entropy under the true labels (uses labels; reference runs only).",
                            ALCHAIN_NO_PARAMS, ALCHAIN_FLAG_USES_LABELS | ALCHAIN_FLAG_BATCH_SCORES)
