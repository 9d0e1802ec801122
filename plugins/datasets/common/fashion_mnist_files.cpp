// Finds and reads one Fashion-MNIST split's two IDX files, checking that they belong together.
#include "fashion_mnist_files.hpp"

#include <filesystem>
#include <stdexcept>

namespace alchain::plugins {

FashionMnistSplit read_fashion_mnist_split(const std::string& dir, const std::string& prefix) {
  auto file = [&](const char* kind) {
    for (const char* ext : {".gz", ""}) {
      const auto p = std::filesystem::path(dir) / (prefix + "-" + kind + ext);
      if (std::filesystem::exists(p)) return p.string();
    }
    throw std::runtime_error((std::filesystem::path(dir) / (prefix + "-" + kind + ".gz")).string() +
                             ": missing (install Debian's dataset-fashion-mnist, or set dataset.params.root)");
  };
  FashionMnistSplit s;
  s.image_file = file("images-idx3-ubyte");
  s.label_file = file("labels-idx1-ubyte");
  s.images = read_idx_ubyte(s.image_file, 3);
  s.labels = read_idx_ubyte(s.label_file, 1);
  if (s.images.shape[0] != s.labels.shape[0])
    throw std::runtime_error(s.image_file + ": " + std::to_string(s.images.shape[0]) + " images but " + s.label_file +
                             " has " + std::to_string(s.labels.shape[0]) + " labels");
  for (auto l : s.labels.data)
    if (l >= kFashionMnistClasses)
      throw std::runtime_error(s.label_file + ": label " + std::to_string(l) + " outside 0..9");
  return s;
}

}  // namespace alchain::plugins
