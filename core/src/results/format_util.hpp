// JSON formatting shared by the summary and the transferability tables (numbers: alchain::format_number).
#pragma once

#include <cmath>
#include <string>

#include "alchain/util/format.hpp"

namespace alchain::fmt {

inline std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// Full precision; null for NaN.
inline std::string json_num(double v) { return std::isnan(v) ? "null" : format("%.17g", v); }

}  // namespace alchain::fmt
