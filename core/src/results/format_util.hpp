// The JSON helpers of the summary and transferability tables, under the names those files use.
#pragma once

#include "alchain/util/format.hpp"

namespace alchain::fmt {

inline std::string json_str(const std::string& s) { return json_string(s); }
inline std::string json_num(double v) { return json_number(v); }

}  // namespace alchain::fmt
