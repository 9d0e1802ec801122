// Lowest top-class probability of the surrogate, score 1 - max p.
#pragma once

#include "alchain/sdk/score_policies.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

using LeastConfidencePolicy = LogitsScorePolicy<&uncertainty::least_confidence>;

}  // namespace alchain::plugins
