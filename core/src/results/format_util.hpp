// Number and JSON formatting shared by the summary and the transferability tables.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace alchain::fmt {

/// printf-style formatting of one number; "-" for NaN.
inline std::string num(const char* format, double v) {
  if (std::isnan(v)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

inline std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// Full precision; null for NaN.
inline std::string json_num(double v) { return std::isnan(v) ? "null" : num("%.17g", v); }

}  // namespace alchain::fmt
