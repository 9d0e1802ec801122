// Highest softmax entropy -sum p log p of the surrogate.
#pragma once

#include "alchain/sdk/score_policies.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

using EntropyPolicy = LogitsScorePolicy<&uncertainty::entropy>;

}  // namespace alchain::plugins
