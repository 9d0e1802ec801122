// Fashion-MNIST's ten class names, index = the label in the IDX files (Xiao et al. 2017).
#pragma once

namespace alchain::plugins {

inline constexpr int kFashionMnistClasses = 10;
inline constexpr const char* kFashionMnistClassNames[kFashionMnistClasses] = {
    "t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"};

}  // namespace alchain::plugins
