// IDX reading from memory, with zlib for .gz files (plain files are read as they are).
#include "idx_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace alchain::plugins {

namespace {

/// The file's content, inflated as it is read when it is gzip (one or more members).
class IdxSource {
 public:
  IdxSource(const std::uint8_t* bytes, std::size_t size, const std::string& path)
      : in_(bytes), size_(size), path_(path), gzip_(size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
    if (gzip_) {
      if (inflateInit2(&zs_, 15 + 16) != Z_OK) throw std::runtime_error(path_ + ": cannot start zlib");
      zs_.next_in = const_cast<Bytef*>(in_);
      zs_.avail_in = static_cast<uInt>(std::min<std::size_t>(size_, 1u << 30));
      consumed_ = zs_.avail_in;
    }
  }
  ~IdxSource() {
    if (gzip_) inflateEnd(&zs_);
  }
  IdxSource(const IdxSource&) = delete;
  IdxSource& operator=(const IdxSource&) = delete;

  /// Up to n bytes into dst; fewer only at the end of the data.
  std::size_t read(std::uint8_t* dst, std::size_t n) {
    if (!gzip_) {
      const std::size_t got = std::min(n, size_ - pos_);
      if (got == 0) return 0;  // an empty file's bytes may be a null pointer: memcpy must not see it
      std::memcpy(dst, in_ + pos_, got);
      pos_ += got;
      return got;
    }
    std::size_t done = 0;
    while (done < n && !ended_) {
      if (zs_.avail_in == 0 && consumed_ < size_) {  // inputs over 1 GiB come in slices
        const std::size_t slice = std::min<std::size_t>(size_ - consumed_, 1u << 30);
        zs_.next_in = const_cast<Bytef*>(in_ + consumed_);
        zs_.avail_in = static_cast<uInt>(slice);
        consumed_ += slice;
      }
      const std::size_t want = std::min<std::size_t>(n - done, 1u << 30);
      zs_.next_out = dst + done;
      zs_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      done += want - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        const std::size_t rest = zs_.avail_in + (size_ - consumed_);
        if (rest == 0) {
          ended_ = true;
        } else {  // another gzip member follows, as gzread accepts
          const std::size_t at = size_ - rest;
          if (rest < 2 || in_[at] != 0x1f || in_[at + 1] != 0x8b)
            throw std::runtime_error(path_ + ": not a valid IDX file: " + std::to_string(rest) +
                                     " bytes after the end of the gzip stream");
          inflateReset(&zs_);
        }
      } else if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && consumed_ == size_) {
        throw std::runtime_error(path_ + ": not a valid IDX file: decompression failed (gzip stream cut short)");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw std::runtime_error(path_ + ": not a valid IDX file: decompression failed (" +
                                 (zs_.msg ? zs_.msg : "zlib error " + std::to_string(rc)) + ")");
      }
    }
    return done;
  }

 private:
  const std::uint8_t* in_;
  std::size_t size_, pos_ = 0, consumed_ = 0;
  std::string path_;
  bool gzip_, ended_ = false;
  z_stream zs_{};
};

}  // namespace

IdxArray parse_idx_ubyte(const std::uint8_t* bytes, std::size_t size, const std::string& path, int expected_dims) {
  IdxSource src(bytes, size, path);
  auto fail = [&](const std::string& what) { return std::runtime_error(path + ": not a valid IDX file: " + what); };
  unsigned char magic[4];
  if (src.read(magic, 4) != 4) throw fail("shorter than its 4-byte magic number");
  if (magic[0] != 0 || magic[1] != 0) throw fail("bad magic number (first two bytes must be 0)");
  if (magic[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02X", magic[2]);
    throw fail(std::string("element type ") + type + ", expected unsigned bytes (0x08)");
  }
  if (magic[3] != expected_dims)
    throw fail(std::to_string(magic[3]) + " dimensions, expected " + std::to_string(expected_dims));
  IdxArray out;
  std::int64_t total = 1;
  for (int d = 0; d < expected_dims; ++d) {
    unsigned char b[4];
    if (src.read(b, 4) != 4) throw fail("header ends inside dimension " + std::to_string(d));
    const std::int64_t n = (std::int64_t{b[0]} << 24) | (std::int64_t{b[1]} << 16) | (b[2] << 8) | b[3];
    if (n <= 0 || n > (1 << 28)) throw fail("dimension " + std::to_string(d) + " has size " + std::to_string(n));
    out.shape.push_back(n);
    total *= n;
    if (total > (std::int64_t{1} << 33)) throw fail("more than 8 GiB of data announced");
  }
  // Grown as the data arrives (doubling from 64 KiB): a damaged header announcing gigabytes costs
  // only about what the file holds.
  std::size_t done = 0;
  while (done < static_cast<std::size_t>(total)) {
    const std::size_t want =
        std::min<std::size_t>(static_cast<std::size_t>(total) - done, std::max<std::size_t>(std::size_t{1} << 16, done));
    out.data.resize(done + want);
    const std::size_t got = src.read(out.data.data() + done, want);
    done += got;
    if (got < want) break;
  }
  if (done != static_cast<std::size_t>(total))
    throw fail("truncated: header announces " + std::to_string(total) + " bytes of data, file has " + std::to_string(done));
  std::uint8_t extra;
  if (src.read(&extra, 1) != 0) throw fail("trailing data after the " + std::to_string(total) + " announced bytes");
  return out;
}

IdxArray read_idx_ubyte(const std::string& path, int expected_dims) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open IDX file");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw std::runtime_error(path + ": cannot read IDX file");
  return parse_idx_ubyte(bytes.data(), bytes.size(), path, expected_dims);
}

}  // namespace alchain::plugins
