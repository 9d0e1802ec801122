// Fashion-MNIST's IDX files as fashion_mnist and fmnist_scenes read them: class names, pixel statistics, one checked split.
#pragma once

#include <string>

#include "idx_reader.hpp"

namespace alchain::plugins {

/// The ten class names, index = the label in the IDX files (Xiao et al. 2017).
inline constexpr int kFashionMnistClasses = 10;
inline constexpr const char* kFashionMnistClassNames[kFashionMnistClasses] = {
    "t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"};

/// Train-set pixel mean and std in [0, 1], as in the Python reference.
inline constexpr float kFashionMnistMean = 0.2860f, kFashionMnistStd = 0.3530f;

/// One split's images [n, h, w] and labels [n], with the files they came from (for messages).
struct FashionMnistSplit {
  std::string image_file, label_file;
  IdxArray images, labels;
};

/// Reads `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` from `dir` (each .gz, else
/// plain). Throws std::runtime_error naming the file when one is missing (with how to install
/// them), is not a valid IDX file, when the counts of images and labels differ, or when a label is
/// outside 0..9.
FashionMnistSplit read_fashion_mnist_split(const std::string& dir, const std::string& prefix);

}  // namespace alchain::plugins
