// Variation ratio 1 - modal votes / T over MC-dropout passes.
#pragma once

#include "alchain/sdk/score_policies.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

using VariationRatiosPolicy = McDropoutScorePolicy<&uncertainty::variation_ratios>;

}  // namespace alchain::plugins
