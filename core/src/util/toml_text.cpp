// Finds non-ASCII characters where TOML allows only ASCII, tracking strings and comments as TOML does;
// names TOML value types.
#include "alchain/util/toml_text.hpp"

#include <cstdio>
#include <vector>

namespace alchain {

namespace {

/// The code point of the UTF-8 sequence at `i`, or -1 when the bytes are not one: a lead byte and
/// its continuation bytes, whatever they encode (toml++ refuses overlong forms and surrogates
/// itself, with its own message).
long code_point(std::string_view t, std::size_t i) {
  const auto b = static_cast<unsigned char>(t[i]);
  const int len = b >= 0xF8 ? 0 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > t.size()) return -1;
  long cp = b & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(t[i + static_cast<std::size_t>(k)]);
    if ((c & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  return cp;
}

std::string describe(long cp) {
  char out[32];
  std::snprintf(out, sizeof out, "U+%04lX", cp);
  return out;
}

}  // namespace

std::optional<TomlHazard> find_toml_hazard(std::string_view t) {
  enum class State { normal, comment, basic, ml_basic, literal, ml_literal } s = State::normal;
  int line = 1, column = 1;
  // Where a quote opens a string, as toml++ reads it: not inside a bare token (a value such as
  // `2x'` is scanned character by character up to a terminator, asking of each whether it is
  // whitespace). Keys and values are told apart because '=', '.' and '[' end a bare key but not
  // a bare value.
  std::vector<char> nest;  // '[' array, '{' inline table, 'h' table header
  bool value = false;      // reading a value (after a key's '='), not a key
  bool bare = false;       // inside a bare key or value
  // A hazard at `i`; none when the bytes there are not UTF-8 at all: toml++ stops at them with its
  // own error ("invalid utf-8 sequence") before it classifies anything after them.
  auto at = [&](std::size_t i, const char* where) -> std::optional<TomlHazard> {
    const long cp = code_point(t, i);
    if (cp < 0) return std::nullopt;
    return TomlHazard{line, column,
                      "unexpected character " + describe(cp) + " " + where + " (TOML allows only ASCII there)"};
  };
  auto starts = [&](std::size_t i, const char* three) { return t.compare(i, 3, three) == 0; };
  std::size_t i = t.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // toml++ skips a UTF-8 byte order mark
  for (; i < t.size();) {
    const char c = t[i];
    const auto u = static_cast<unsigned char>(c);
    std::size_t step = 1;
    switch (s) {
      case State::normal:
        if (u >= 0x80) return at(i, "outside a string or comment");
        if (c == '#' || c == '\n' || c == ' ' || c == '\t' || c == '\r') {
          bare = false;
          if (c == '#') s = State::comment;
          if (c == '\n' && nest.empty()) value = false;  // a key/value pair ends with its line
        } else if (c == '"' || c == '\'') {
          if (!bare) {
            const bool triple = starts(i, c == '"' ? "\"\"\"" : "\'\'\'");
            s = c == '"' ? (triple ? State::ml_basic : State::basic) : (triple ? State::ml_literal : State::literal);
            step = triple ? 3 : 1;
          }
        } else if (value && bare && c != ']' && c != '}' && c != ',') {
          // still the same bare value: '[', '{', '=' and '.' do not end it
        } else if (c == '[') {
          if (value || nest.empty() || nest.back() == 'h') nest.push_back(value ? '[' : 'h');
        } else if (c == '{') {
          nest.push_back('{');
          value = false;
        } else if (c == ']' || c == '}') {
          bare = false;
          const char closed = nest.empty() ? 'h' : nest.back();
          if (!nest.empty()) nest.pop_back();
          // After an array or inline table comes what follows a value; after a header, a key.
          value = nest.empty() ? closed != 'h' : nest.back() != 'h';
        } else if (c == ',') {
          bare = false;
          value = nest.empty() || nest.back() != '{';
        } else if (!value && (c == '=' || c == '.')) {
          bare = false;
          if (c == '=') value = true;
        } else {
          bare = true;
        }
        if (s != State::normal && s != State::comment) bare = true;  // after a string, only a terminator may follow
        break;
      case State::comment:
        if (c == '\n') {
          s = State::normal;
          if (nest.empty()) value = false;
        }
        break;
      case State::basic:
        if (c == '\\' && i + 1 < t.size() && t[i + 1] != '\n') step = 2;  // an escaped character
        else if (c == '"' || c == '\n') s = State::normal;
        break;
      case State::literal:
        if (c == '\'' || c == '\n') s = State::normal;
        break;
      case State::ml_basic:
        if (c == '\\') {
          // After a backslash toml++ asks whether the next character is whitespace, and after a
          // line-ending backslash it skips whitespace asking the same of each character.
          std::size_t j = i + 1;
          if (j < t.size() && static_cast<unsigned char>(t[j]) >= 0x80) {
            ++column;
            return at(j, "after a backslash in a multi-line string");
          }
          const bool line_ending = j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r' || t[j] == '\n');
          if (!line_ending) {
            step = 2;
            break;
          }
          for (++column; j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r' || t[j] == '\n'); ++j) {
            if (t[j] == '\n') line += 1, column = 1;
            else ++column;
          }
          if (j < t.size() && static_cast<unsigned char>(t[j]) >= 0x80)
            return at(j, "after a line-ending backslash in a multi-line string");
          i = j;
          continue;
        }
        if (starts(i, "\"\"\"")) {
          step = 3;
          while (i + step < t.size() && step < 5 && t[i + step] == '"') ++step;  // quotes just before the end are content
          s = State::normal;
        }
        break;
      case State::ml_literal:
        if (starts(i, "'''")) {
          step = 3;
          while (i + step < t.size() && step < 5 && t[i + step] == '\'') ++step;
          s = State::normal;
        }
        break;
    }
    for (std::size_t k = 0; k < step && i < t.size(); ++k, ++i) {
      const auto b = static_cast<unsigned char>(t[i]);
      if (t[i] == '\n') line += 1, column = 1;
      else if ((b & 0xC0) != 0x80) ++column;  // columns count characters, not UTF-8 continuation bytes
    }
  }
  return std::nullopt;
}

const char* toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

}  // namespace alchain
