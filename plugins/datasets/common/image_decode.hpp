// Decodes one image file's bytes into a dataset's shape: the part of image_folder, cityscapes and ade20k that reads untrusted bytes.
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
                     int width, cv::Size* decoded_size = nullptr, const cv::Rect* crop = nullptr);

/// `image` cut to `crop` (if given; a view, no copy); throws naming `file` when the rectangle
/// does not fit.
cv::Mat cropped(const cv::Mat& image, const cv::Rect* crop, const std::string& file);

/// Reads `file` and decodes it as decode_image does; `decoded_size`, when given, receives the
/// image's size as stored; `crop`, when given, is cut from it before resizing.
cv::Mat read_image(const std::string& file, int channels, int height, int width, cv::Size* decoded_size = nullptr,
                   const cv::Rect* crop = nullptr);

/// Decodes a label image: 8-bit, one channel, kept as stored (no resizing, no conversion), with
/// decode_image's checks. Throws std::runtime_error naming `file` for anything else (a colour
/// or 16-bit PNG is refused, not converted: converting would change the label values).
cv::Mat decode_label_image(const std::uint8_t* bytes, std::size_t size, const std::string& file);

/// Reads `file` and decodes it as decode_label_image does.
cv::Mat read_label_image(const std::string& file);

}  // namespace alchain::plugins
