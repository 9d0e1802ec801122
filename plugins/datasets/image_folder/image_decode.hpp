// Decodes one image file's bytes into the dataset's shape: the part of image_folder that reads untrusted bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace alchain::plugins {

/// Largest decoded image accepted, in pixels (8192 x 8192).
constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 26;

/// Decodes `bytes` (any format OpenCV reads) to `channels` (1: grayscale, 3: RGB), resized to
/// height x width, as float32 in [0, 1], continuous. Throws std::runtime_error naming `file` when
/// the bytes are not an image OpenCV decodes, decode to more than kMaxImagePixels pixels, or when
/// channels, height or width are out of range.
cv::Mat decode_image(const std::uint8_t* bytes, std::size_t size, const std::string& file, int channels, int height,
                     int width);

/// Reads `file` and decodes it as decode_image does.
cv::Mat read_image(const std::string& file, int channels, int height, int width);

}  // namespace alchain::plugins
