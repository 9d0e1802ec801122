// Small text helpers shared across the host: joining lists and checking a name or value against its choices.
#pragma once

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace alchain {

/// "a, b, c" from any range whose elements stream with <<.
template <class Range>
std::string join(const Range& items, const char* separator = ", ") {
  std::ostringstream os;
  bool first = true;
  for (const auto& item : items) {
    if (!first) os << separator;
    os << item;
    first = false;
  }
  return os.str();
}

/// nullopt when `value` is one of `choices` (or there are none); otherwise the message
/// "expected one of a, b, got <shown>", where `shown` is the value as the user wrote it.
inline std::optional<std::string> not_one_of(const std::string& value, const std::vector<std::string>& choices,
                                             const std::string& shown) {
  if (choices.empty() || std::find(choices.begin(), choices.end(), value) != choices.end()) return std::nullopt;
  return "expected one of " + join(choices) + ", got " + shown;
}

/// "unknown <what> '<name>' (available: a, b)", or "(available: none)": the one wording of a
/// name that is not among its choices.
inline std::string unknown_name_message(const std::string& what, const std::string& name,
                                        const std::vector<std::string>& available) {
  return "unknown " + what + " '" + name + "' (available: " + (available.empty() ? std::string("none") : join(available)) +
         ")";
}

}  // namespace alchain
