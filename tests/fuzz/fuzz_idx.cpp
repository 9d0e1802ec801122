// libFuzzer target: the Fashion-MNIST IDX reader on arbitrary bytes (plain or gzip), as images and as labels.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "common/idx_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte picks the shape the dataset asks for: labels (1 dimension) or images (3).
  if (size < 1) return 0;
  const int dims = (data[0] & 1) ? 3 : 1;
  try {
    // An empty file reaches the reader as (nullptr, 0), as std::vector::data() of an empty vector
    // may be: the reader must not pass it to memcpy (UBSan found that in the malformed corpus).
    const auto a = alchain::plugins::parse_idx_ubyte(size > 1 ? data + 1 : nullptr, size - 1, "fuzz.idx", dims);
    std::int64_t total = 1;
    for (auto n : a.shape) total *= n;
    if (a.shape.size() != static_cast<std::size_t>(dims) || static_cast<std::int64_t>(a.data.size()) != total)
      __builtin_trap();  // a reader that returns must return what the header announced
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("fuzz.idx: ", 0) != 0) __builtin_trap();  // every error names the file
  }
  return 0;
}
