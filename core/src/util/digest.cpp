// FNV-1a 64 of strings and of files' bytes.
#include "alchain/util/digest.hpp"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "alchain/util/format.hpp"

namespace alchain {
namespace {
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
}  // namespace

std::string file_digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the file");
  std::uint64_t h = kFnvOffset;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[static_cast<std::size_t>(i)]);
      h *= kFnvPrime;
    }
  }
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return format("%016llx", static_cast<unsigned long long>(h));
}

std::uint64_t hash_name(const std::string& s) {
  std::uint64_t h = kFnvOffset;
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

}  // namespace alchain
