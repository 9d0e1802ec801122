// TOML text helpers below both the plugin and the pipeline layers: the pre-scan for what the TOML
// parser must not see (a defect of toml++ 3.3), and the names of TOML value types for messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace alchain {

/// toml++ 3.3 (Debian 12) classifies some non-ASCII code points (U+00A1-U+0499, U+2EAE-U+32A7
/// and others) as whitespace by reaching __builtin_unreachable(): undefined behaviour, wherever it
/// asks "is this whitespace?". It asks outside strings and comments, and after a line-ending
/// backslash in a multi-line basic string. TOML allows only ASCII there anyway, so a non-ASCII
/// character in those places is reported here, with its position, before toml++ reads the text.
struct TomlHazard {
  int line = 0;  ///< 1-based, as SourcePos
  int column = 0;
  std::string message;
};
std::optional<TomlHazard> find_toml_hazard(std::string_view text);

/// "a table", "an integer", ...: a value's type as messages name it.
const char* toml_type_name(const toml::node& n);

}  // namespace alchain
