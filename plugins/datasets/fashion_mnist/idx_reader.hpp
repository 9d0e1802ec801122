// Reads gzip-compressed IDX files (the MNIST family's format), checking every header field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace alchain::plugins {

struct IdxArray {
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;  // row-major
};

/// Reads an unsigned-byte IDX file (.gz or plain). Throws std::runtime_error naming the file
/// on a missing file, bad magic, a header that does not match the size, or truncated data.
IdxArray read_idx_ubyte(const std::string& path, int expected_dims);

}  // namespace alchain::plugins
