// IDX reading with zlib (reads .gz and uncompressed files alike).
#include "idx_reader.hpp"

#include <zlib.h>

#include <memory>
#include <stdexcept>

namespace alchain::plugins {

IdxArray read_idx_ubyte(const std::string& path, int expected_dims) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw std::runtime_error(path + ": cannot open IDX file");
  auto fail = [&](const std::string& what) { return std::runtime_error(path + ": not a valid IDX file: " + what); };
  auto read = [&](void* dst, unsigned n) {
    int err = Z_OK;
    const int got = gzread(f.get(), dst, n);
    if (got < 0) throw fail(std::string("decompression failed (") + gzerror(f.get(), &err) + ")");
    return static_cast<unsigned>(got);
  };
  unsigned char magic[4];
  if (read(magic, 4) != 4) throw fail("shorter than its 4-byte magic number");
  if (magic[0] != 0 || magic[1] != 0) throw fail("bad magic number (first two bytes must be 0)");
  if (magic[2] != 0x08) throw fail("element type 0x" + std::to_string(magic[2]) + ", expected unsigned bytes (0x08)");
  if (magic[3] != expected_dims)
    throw fail(std::to_string(magic[3]) + " dimensions, expected " + std::to_string(expected_dims));
  IdxArray out;
  std::int64_t total = 1;
  for (int d = 0; d < expected_dims; ++d) {
    unsigned char b[4];
    if (read(b, 4) != 4) throw fail("header ends inside dimension " + std::to_string(d));
    const std::int64_t n = (std::int64_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    if (n <= 0 || n > (1 << 28)) throw fail("dimension " + std::to_string(d) + " has size " + std::to_string(n));
    out.shape.push_back(n);
    total *= n;
  }
  if (total > (std::int64_t{1} << 33)) throw fail("more than 8 GiB of data announced");
  out.data.resize(static_cast<std::size_t>(total));
  std::size_t done = 0;
  while (done < out.data.size()) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(out.data.size() - done, 1u << 30));
    const unsigned got = read(out.data.data() + done, chunk);
    if (got == 0) break;
    done += got;
  }
  if (done != out.data.size())
    throw fail("truncated: header announces " + std::to_string(total) + " bytes of data, file has " + std::to_string(done));
  unsigned char extra;
  if (read(&extra, 1) != 0) throw fail("trailing data after the " + std::to_string(total) + " announced bytes");
  return out;
}

}  // namespace alchain::plugins
