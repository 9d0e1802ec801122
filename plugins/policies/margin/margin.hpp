// Smallest gap between the surrogate's two most likely classes.
#pragma once

#include "alchain/sdk/score_policies.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

using MarginPolicy = LogitsScorePolicy<&uncertainty::margin>;

}  // namespace alchain::plugins
