/// printf-style formatting into std::string: the one place for number buffers and shape texts.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace alchain {

/// `fmt` (a printf format) applied to the arguments, of any length. Declared printf-like so the
/// compiler checks every call's arguments against its format, as it did for the snprintf calls
/// this replaced.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// One number in a printf format ("%.3f"); "-" for NaN, as tables show a value that does not exist.
inline std::string format_number(const char* fmt, double v) {
  return std::isnan(v) ? std::string("-") : format(fmt, v);
}

/// `s` as a JSON string literal: quotes and backslashes escaped, control characters as \uXXXX.
inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += std::string("\\") + c;
    else if (static_cast<unsigned char>(c) < 0x20) out += format("\\u%04x", static_cast<unsigned>(c));
    else out += c;
  }
  return out + "\"";
}

/// A JSON number at full precision; null for NaN.
inline std::string json_number(double v) { return std::isnan(v) ? std::string("null") : format("%.17g", v); }

/// A tensor shape as messages show it: "[1, 28, 28]".
inline std::string shape_list(const std::vector<std::int64_t>& sizes) {
  std::string s = "[";
  for (std::size_t d = 0; d < sizes.size(); ++d) s += (d ? ", " : "") + std::to_string(sizes[d]);
  return s + "]";
}

}  // namespace alchain
