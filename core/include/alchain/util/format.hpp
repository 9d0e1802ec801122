/// printf-style formatting into std::string: the one place for number buffers and shape texts.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace alchain {

/// `format` (a printf format) applied to `args`, of any length.
template <class... Args>
std::string format(const char* format, Args... args) {
  char small[128];
  const int n = std::snprintf(small, sizeof small, format, args...);
  if (n < 0) return std::string();
  if (static_cast<std::size_t>(n) < sizeof small) return std::string(small, static_cast<std::size_t>(n));
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, args...);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// One number in a printf format ("%.3f"); "-" for NaN, as tables show a value that does not exist.
inline std::string format_number(const char* format_, double v) {
  return std::isnan(v) ? std::string("-") : format(format_, v);
}

/// A tensor shape as messages show it: "[1, 28, 28]".
inline std::string shape_list(const std::vector<std::int64_t>& sizes) {
  std::string s = "[";
  for (std::size_t d = 0; d < sizes.size(); ++d) s += (d ? ", " : "") + std::to_string(sizes[d]);
  return s + "]";
}

}  // namespace alchain
