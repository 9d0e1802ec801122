// libFuzzer target: the decoding of an image file's bytes (every format OpenCV reads), as
// image_folder, cityscapes and ade20k decode images, and as the latter two decode label images.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "common/image_decode.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char*** argv) {
  // alchain sets OpenCV's pixel limit before libopencv_imgcodecs loads (tune_process); this target
  // links it directly, so it restarts itself once with the limit in its environment to fuzz that
  // path. The limit here is 2^22 pixels, not alchain's 2^26: a legitimate 2^26-pixel decode takes
  // over 10 s under the sanitizers (a slow input, not a hang), and the check is the same code.
  if (!std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS")) {
    setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "4194304", 1);
    execv("/proc/self/exe", *argv);
  }
  cv::setNumThreads(0);  // one input at a time: OpenCV's worker threads only cost wake-ups here
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte picks the decode: bit 3 a label image (cityscapes, ade20k), else an image in
  // the dataset's shape: grayscale or RGB, and one of a few target sizes.
  if (size < 1) return 0;
  if (data[0] & 8) {
    try {
      const cv::Mat m = alchain::plugins::decode_label_image(data + 1, size - 1, "fuzz.png");
      if (m.channels() != 1 || m.depth() != CV_8U || !m.isContinuous() || m.empty()) __builtin_trap();
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).rfind("fuzz.png: ", 0) != 0) __builtin_trap();
    }
    return 0;
  }
  const int channels = (data[0] & 1) ? 3 : 1;
  static const int kSides[] = {28, 32, 7, 64};
  const int side = kSides[(data[0] >> 1) & 3];
  try {
    const cv::Mat m = alchain::plugins::decode_image(data + 1, size - 1, "fuzz.img", channels, side, side);
    if (m.rows != side || m.cols != side || m.channels() != channels || m.depth() != CV_32F || !m.isContinuous())
      __builtin_trap();  // what the dataset copies into its tensor must have exactly this shape
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("fuzz.img: ", 0) != 0) __builtin_trap();  // every error names the file
  }
  return 0;
}
