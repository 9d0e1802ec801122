// Image bytes to a float matrix of the dataset's shape, with OpenCV, checked at every step.
#include "image_decode.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace alchain::plugins {

namespace {

std::runtime_error undecodable(const std::string& file, const std::string& why) {
  return std::runtime_error(file + ": cannot be decoded as an image (" + why + ")");
}

/// cv::imdecode with the checks every decode needs: not empty, not HDR, not over kMaxImagePixels.
cv::Mat checked_imdecode(const std::uint8_t* bytes, std::size_t size, const std::string& file, int flags) {
  if (size == 0) throw undecodable(file, "empty file");
  if (size > static_cast<std::size_t>(INT32_MAX)) throw undecodable(file, "larger than 2 GiB");
  // Radiance HDR is a floating-point format, not an 8-bit dataset image; and OpenCV 4.6 decodes it
  // through a temporary file whose descriptor its decoder keeps open when the data is damaged
  // (fuzz_image saw one descriptor per such input, 4,000 in 30 s). Refused before OpenCV sees it.
  for (const char* magic : {"#?RADIANCE", "#?RGBE"}) {
    const std::size_t n = std::strlen(magic);
    if (size >= n && std::memcmp(bytes, magic, n) == 0)
      throw undecodable(file, "a Radiance HDR file: floating-point images are not supported");
  }
  // imdecode reads the buffer only; the Mat header does not take ownership.
  const cv::Mat buf(1, static_cast<int>(size), CV_8UC1, const_cast<std::uint8_t*>(bytes));
  cv::Mat img;
  try {
    img = cv::imdecode(buf, flags);
  } catch (const cv::Exception& e) {
    throw undecodable(file, std::string("OpenCV: ") + e.what());
  }
  if (img.empty()) throw undecodable(file, "corrupt or unsupported format");
  // A few bytes can announce a gigapixel image; decoding it is OpenCV's limit, but resizing it
  // would take minutes. No dataset image is that large.
  if (img.total() > static_cast<std::size_t>(kMaxImagePixels))
    throw undecodable(file, "an image of " + std::to_string(img.cols) + "x" + std::to_string(img.rows) +
                                " pixels, more than " + std::to_string(kMaxImagePixels));
  return img;
}

std::vector<std::uint8_t> file_bytes(const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) throw std::runtime_error(file + ": cannot open image file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw std::runtime_error(file + ": cannot read image file");
  return bytes;
}

}  // namespace

cv::Mat cropped(const cv::Mat& image, const cv::Rect* crop, const std::string& file) {
  if (!crop) return image;
  if (crop->x < 0 || crop->y < 0 || crop->width < 1 || crop->height < 1 || crop->x + crop->width > image.cols ||
      crop->y + crop->height > image.rows)
    throw std::runtime_error(file + ": crop [" + std::to_string(crop->y) + ", " + std::to_string(crop->x) + ", " +
                             std::to_string(crop->height) + ", " + std::to_string(crop->width) +
                             "] (top, left, height, width) does not fit its " + std::to_string(image.cols) + "x" +
                             std::to_string(image.rows) + " image");
  return image(*crop);
}

cv::Mat decode_image(const std::uint8_t* bytes, std::size_t size, const std::string& file, int channels, int height,
                     int width, cv::Size* decoded_size, const cv::Rect* crop) {
  if (channels != 1 && channels != 3) throw std::invalid_argument(file + ": channels must be 1 or 3");
  if (height < 1 || width < 1 || height > 65536 || width > 65536)
    throw std::invalid_argument(file + ": image size " + std::to_string(height) + "x" + std::to_string(width) +
                                " outside 1..65536");
  cv::Mat img = checked_imdecode(bytes, size, file, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (img.channels() != channels || img.depth() != CV_8U)
    throw undecodable(file, "decoded to " + std::to_string(img.channels()) + " channels of depth " +
                                std::to_string(img.depth()) + ", expected " + std::to_string(channels) + " of 8 bits");
  if (decoded_size) *decoded_size = img.size();
  img = cropped(img, crop, file);
  if (img.rows != height || img.cols != width) cv::resize(img, img, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  if (channels == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
  cv::Mat out;
  img.convertTo(out, CV_32F, 1.0 / 255.0);
  if (!out.isContinuous()) out = out.clone();
  return out;
}

cv::Mat decode_label_image(const std::uint8_t* bytes, std::size_t size, const std::string& file) {
  cv::Mat img = checked_imdecode(bytes, size, file, cv::IMREAD_UNCHANGED);
  if (img.channels() != 1 || img.depth() != CV_8U)
    throw std::runtime_error(file + ": a label image must have one 8-bit channel; this one has " +
                             std::to_string(img.channels()) + " channel(s) of " +
                             (img.depth() == CV_8U ? "8" : img.depth() == CV_16U ? "16" : "other") + " bits");
  if (!img.isContinuous()) img = img.clone();
  return img;
}

cv::Mat read_image(const std::string& file, int channels, int height, int width, cv::Size* decoded_size,
                   const cv::Rect* crop) {
  const std::vector<std::uint8_t> bytes = file_bytes(file);
  return decode_image(bytes.data(), bytes.size(), file, channels, height, width, decoded_size, crop);
}

cv::Mat read_label_image(const std::string& file) {
  const std::vector<std::uint8_t> bytes = file_bytes(file);
  return decode_label_image(bytes.data(), bytes.size(), file);
}

}  // namespace alchain::plugins
