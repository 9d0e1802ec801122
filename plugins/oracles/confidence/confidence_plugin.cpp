// Descriptor of the confidence pseudo-oracle plugin.
#include "alchain/sdk/plugin.hpp"
#include "confidence.hpp"

namespace {
const alchain_param_spec kParams[] = {
    {"temperature", ALCHAIN_PARAM_FLOAT, "1.0", 1e-6, 1e6, nullptr,
     "Softmax temperature T; with calibrate = true only the starting value, replaced by the fitted one."},
    {"calibrate", ALCHAIN_PARAM_BOOL, "true", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr,
     "Fit T on held-out labelled data by minimising the NLL over log T in [0.05, 20] (temperature scaling)."},
    {"threshold", ALCHAIN_PARAM_FLOAT, "0.5", 0.0, 1.0, nullptr,
     "A prediction is judged correct when f >= threshold."},
};
}  // namespace

ALCHAIN_ORACLE_PLUGIN(alchain::plugins::ConfidenceOracle, "confidence", "1.0.0",
                      "The deployed model's max softmax probability at a fixed or fitted temperature (Hendrycks & Gimpel 2017; Guo et al. 2017).",
                      kParams, 0)
