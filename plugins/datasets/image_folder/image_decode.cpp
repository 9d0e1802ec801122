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

cv::Mat decode_image(const std::uint8_t* bytes, std::size_t size, const std::string& file, int channels, int height,
                     int width) {
  if (channels != 1 && channels != 3) throw std::invalid_argument(file + ": channels must be 1 or 3");
  if (height < 1 || width < 1 || height > 65536 || width > 65536)
    throw std::invalid_argument(file + ": image size " + std::to_string(height) + "x" + std::to_string(width) +
                                " outside 1..65536");
  auto undecodable = [&](const std::string& why) {
    return std::runtime_error(file + ": cannot be decoded as an image (" + why + ")");
  };
  if (size == 0) throw undecodable("empty file");
  if (size > static_cast<std::size_t>(INT32_MAX)) throw undecodable("larger than 2 GiB");
  // Radiance HDR is a floating-point format, not an 8-bit dataset image; and OpenCV 4.6 decodes it
  // through a temporary file whose descriptor its decoder keeps open when the data is damaged
  // (fuzz_image saw one descriptor per such input, 4,000 in 30 s). Refused before OpenCV sees it.
  for (const char* magic : {"#?RADIANCE", "#?RGBE"}) {
    const std::size_t n = std::strlen(magic);
    if (size >= n && std::memcmp(bytes, magic, n) == 0)
      throw undecodable("a Radiance HDR file: floating-point images are not supported");
  }
  // imdecode reads the buffer only; the Mat header does not take ownership.
  const cv::Mat buf(1, static_cast<int>(size), CV_8UC1, const_cast<std::uint8_t*>(bytes));
  cv::Mat img;
  try {
    img = cv::imdecode(buf, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw undecodable(std::string("OpenCV: ") + e.what());
  }
  if (img.empty()) throw undecodable("corrupt or unsupported format");
  if (img.channels() != channels || img.depth() != CV_8U)
    throw undecodable("decoded to " + std::to_string(img.channels()) + " channels of depth " +
                      std::to_string(img.depth()) + ", expected " + std::to_string(channels) + " of 8 bits");
  // A few bytes can announce a gigapixel image; decoding it is OpenCV's limit, but resizing it
  // would take minutes. No dataset image is that large.
  if (img.total() > static_cast<std::size_t>(kMaxImagePixels))
    throw undecodable("an image of " + std::to_string(img.cols) + "x" + std::to_string(img.rows) + " pixels, more than " +
                      std::to_string(kMaxImagePixels));
  if (img.rows != height || img.cols != width) cv::resize(img, img, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  if (channels == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
  cv::Mat out;
  img.convertTo(out, CV_32F, 1.0 / 255.0);
  if (!out.isContinuous()) out = out.clone();
  return out;
}

cv::Mat read_image(const std::string& file, int channels, int height, int width) {
  std::ifstream f(file, std::ios::binary);
  if (!f) throw std::runtime_error(file + ": cannot open image file");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw std::runtime_error(file + ": cannot read image file");
  return decode_image(bytes.data(), bytes.size(), file, channels, height, width);
}

}  // namespace alchain::plugins
