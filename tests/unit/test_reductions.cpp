// The SDK's per-pixel score reductions, on hand-made maps.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include "alchain/sdk/reduction.hpp"

using namespace alchain;

TEST_CASE("mean, max and top-fraction mean over hand-made 2x2 maps, ignore-aware") {
  // Image 0: [[1, 2], [3, 4]]; image 1: [[0, 0], [0, 8]].
  const at::Tensor s = torch::tensor({1.f, 2.f, 3.f, 4.f, 0.f, 0.f, 0.f, 8.f}).reshape({2, 2, 2});
  CHECK(reduce_pixel_scores(s, Reduction::mean).equal(torch::tensor({2.5f, 2.0f})));
  CHECK(reduce_pixel_scores(s, Reduction::max).equal(torch::tensor({4.f, 8.f})));
  // Top 50%: the two highest pixels.
  CHECK(reduce_pixel_scores(s, Reduction::top_fraction_mean, 0.5).equal(torch::tensor({3.5f, 4.0f})));
  // Top 10% of 4 pixels rounds up to one pixel.
  CHECK(reduce_pixel_scores(s, Reduction::top_fraction_mean, 0.1).equal(torch::tensor({4.f, 8.f})));

  // Labels with ignore index 255 over the highest pixel of each image.
  const at::Tensor labels = torch::tensor({0, 1, 2, 255, 3, 3, 3, 255}, torch::kLong).reshape({2, 2, 2});
  const at::Tensor valid = valid_pixels(labels, 255);
  CHECK(reduce_pixel_scores(s, Reduction::mean, 0.1, valid).equal(torch::tensor({2.f, 0.f})));
  CHECK(reduce_pixel_scores(s, Reduction::max, 0.1, valid).equal(torch::tensor({3.f, 0.f})));
  CHECK(reduce_pixel_scores(s, Reduction::top_fraction_mean, 0.5, valid).equal(torch::tensor({2.5f, 0.f})));

  // An image with no valid pixel scores 0.
  const at::Tensor none = torch::zeros({2, 2, 2}, torch::kBool);
  CHECK(reduce_pixel_scores(s, Reduction::max, 0.1, none).equal(torch::zeros({2})));
  CHECK(parse_reduction("top_fraction_mean") == Reduction::top_fraction_mean);
  CHECK_THROWS_AS(parse_reduction("median"), std::invalid_argument);
}
