// Finds non-ASCII characters where TOML allows only ASCII, tracking strings and comments as TOML does;
// names TOML value types.
#include "alchain/util/toml_text.hpp"

#include <vector>

#include "alchain/util/format.hpp"

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

std::string describe(long cp) { return format("U+%04lX", cp); }

/// One pass over a pipeline's text in TOML's lexical states, stopping at the first non-ASCII
/// character where TOML allows only ASCII.
class HazardScan {
 public:
  // toml++ skips a UTF-8 byte order mark.
  explicit HazardScan(std::string_view t) : t_(t), i_(t.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0) {}

  std::optional<TomlHazard> run() {
    while (i_ < t_.size()) {
      std::size_t step = 1;
      Next next = Next::advance;
      switch (s_) {
        case State::normal: next = normal(step); break;
        case State::comment: comment(); break;
        case State::basic: basic(step); break;
        case State::literal:
          if (t_[i_] == '\'' || t_[i_] == '\n') s_ = State::normal;
          break;
        case State::ml_basic: next = ml_basic(step); break;
        case State::ml_literal: closing_quotes('\'', step); break;
      }
      if (next == Next::stop) return found_;
      if (next == Next::advance) advance(step);
    }
    return std::nullopt;
  }

 private:
  enum class State { normal, comment, basic, ml_basic, literal, ml_literal };
  /// After a character: step over it, over nothing (the handler moved), or end the scan.
  enum class Next { advance, moved, stop };

  /// Ends the scan with a hazard at `i`; none when the bytes there are not UTF-8 at all: toml++
  /// stops at them with its own error ("invalid utf-8 sequence") before it classifies anything after them.
  Next stop_at(std::size_t i, const char* where) {
    const long cp = code_point(t_, i);
    if (cp >= 0)
      found_ = TomlHazard{line_, column_,
                          "unexpected character " + describe(cp) + " " + where + " (TOML allows only ASCII there)"};
    return Next::stop;
  }
  bool starts(std::size_t i, const char* three) const { return t_.compare(i, 3, three) == 0; }

  Next normal(std::size_t& step) {
    const char c = t_[i_];
    if (static_cast<unsigned char>(c) >= 0x80) return stop_at(i_, "outside a string or comment");
    if (c == '#' || c == '\n' || c == ' ' || c == '\t' || c == '\r') {
      bare_ = false;
      if (c == '#') s_ = State::comment;
      if (c == '\n' && nest_.empty()) value_ = false;  // a key/value pair ends with its line
    } else if (c == '"' || c == '\'') {
      if (!bare_) {
        const bool triple = starts(i_, c == '"' ? "\"\"\"" : "\'\'\'");
        s_ = c == '"' ? (triple ? State::ml_basic : State::basic) : (triple ? State::ml_literal : State::literal);
        step = triple ? 3 : 1;
      }
    } else {
      structure(c);
    }
    if (s_ != State::normal && s_ != State::comment) bare_ = true;  // after a string, only a terminator may follow
    return Next::advance;
  }

  /// Where a quote opens a string, as toml++ reads it: not inside a bare token (a value such as
  /// `2x'` is scanned character by character up to a terminator, asking of each whether it is
  /// whitespace). Keys and values are told apart because '=', '.' and '[' end a bare key but not
  /// a bare value.
  void structure(char c) {
    if (value_ && bare_ && c != ']' && c != '}' && c != ',') {
      // still the same bare value: '[', '{', '=' and '.' do not end it
    } else if (c == '[') {
      if (value_ || nest_.empty() || nest_.back() == 'h') nest_.push_back(value_ ? '[' : 'h');
    } else if (c == '{') {
      nest_.push_back('{');
      value_ = false;
    } else if (c == ']' || c == '}') {
      bare_ = false;
      const char closed = nest_.empty() ? 'h' : nest_.back();
      if (!nest_.empty()) nest_.pop_back();
      // After an array or inline table comes what follows a value; after a header, a key.
      value_ = nest_.empty() ? closed != 'h' : nest_.back() != 'h';
    } else if (c == ',') {
      bare_ = false;
      value_ = nest_.empty() || nest_.back() != '{';
    } else if (!value_ && (c == '=' || c == '.')) {
      bare_ = false;
      if (c == '=') value_ = true;
    } else {
      bare_ = true;
    }
  }

  void comment() {
    if (t_[i_] == '\n') {
      s_ = State::normal;
      if (nest_.empty()) value_ = false;
    }
  }

  void basic(std::size_t& step) {
    const char c = t_[i_];
    if (c == '\\' && i_ + 1 < t_.size() && t_[i_ + 1] != '\n') step = 2;  // an escaped character
    else if (c == '"' || c == '\n') s_ = State::normal;
  }

  static bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

  Next ml_basic(std::size_t& step) {
    if (t_[i_] == '\\') return ml_backslash(step);
    closing_quotes('"', step);
    return Next::advance;
  }

  /// After a backslash toml++ asks whether the next character is whitespace, and after a
  /// line-ending backslash it skips whitespace asking the same of each character.
  Next ml_backslash(std::size_t& step) {
    std::size_t j = i_ + 1;
    if (j < t_.size() && static_cast<unsigned char>(t_[j]) >= 0x80) {
      ++column_;
      return stop_at(j, "after a backslash in a multi-line string");
    }
    if (!(j < t_.size() && space(t_[j]))) {
      step = 2;
      return Next::advance;
    }
    for (++column_; j < t_.size() && space(t_[j]); ++j) {
      if (t_[j] == '\n') line_ += 1, column_ = 1;
      else ++column_;
    }
    if (j < t_.size() && static_cast<unsigned char>(t_[j]) >= 0x80)
      return stop_at(j, "after a line-ending backslash in a multi-line string");
    i_ = j;
    return Next::moved;
  }

  /// The end of a multi-line string of `quote`s; quotes just before the end are content.
  void closing_quotes(char quote, std::size_t& step) {
    if (!starts(i_, quote == '"' ? "\"\"\"" : "'''")) return;
    step = 3;
    while (i_ + step < t_.size() && step < 5 && t_[i_ + step] == quote) ++step;
    s_ = State::normal;
  }

  void advance(std::size_t step) {
    for (std::size_t k = 0; k < step && i_ < t_.size(); ++k, ++i_) {
      const auto b = static_cast<unsigned char>(t_[i_]);
      if (t_[i_] == '\n') line_ += 1, column_ = 1;
      else if ((b & 0xC0) != 0x80) ++column_;  // columns count characters, not UTF-8 continuation bytes
    }
  }

  std::string_view t_;
  std::size_t i_;
  State s_ = State::normal;
  int line_ = 1, column_ = 1;
  std::vector<char> nest_;  // '[' array, '{' inline table, 'h' table header
  bool value_ = false;      // reading a value (after a key's '='), not a key
  bool bare_ = false;       // inside a bare key or value
  std::optional<TomlHazard> found_;
};

}  // namespace

std::optional<TomlHazard> find_toml_hazard(std::string_view t) { return HazardScan(t).run(); }

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
