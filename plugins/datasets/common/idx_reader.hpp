// Reads gzip-compressed IDX files (the MNIST family's format), checking every header field.
#pragma once

#include <cstddef>
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

/// The same from the file's bytes in memory (gzip or plain, told apart by the gzip magic);
/// `path` names the file in messages. Memory grows with the data actually present, never with
/// what a header announces.
IdxArray parse_idx_ubyte(const std::uint8_t* bytes, std::size_t size, const std::string& path, int expected_dims);

}  // namespace alchain::plugins
