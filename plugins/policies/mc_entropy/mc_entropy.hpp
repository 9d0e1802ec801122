// Predictive entropy of the mean softmax over MC-dropout passes.
#pragma once

#include "alchain/sdk/score_policies.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

using McEntropyPolicy = McDropoutScorePolicy<&uncertainty::mc_entropy>;

}  // namespace alchain::plugins
