// BALD: mutual information between prediction and weights under MC dropout.
#pragma once

#include "alchain/sdk/score_policies.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

using BaldPolicy = McDropoutScorePolicy<&uncertainty::bald>;

}  // namespace alchain::plugins
