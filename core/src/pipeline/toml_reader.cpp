// TableReader: typed, positioned reading of TOML tables.
#include "toml_reader.hpp"

#include <cmath>
#include <sstream>

#include "alchain/util/text.hpp"

namespace alchain {

SourcePos source_pos(const toml::source_region& r) {
  return {static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

namespace {
std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
std::string quote_value(const toml::node& n) {
  std::ostringstream os;
  if (auto* s = n.as_string()) os << '"' << s->get() << '"';
  else if (auto* i = n.as_integer()) os << i->get();
  else if (auto* f = n.as_floating_point()) os << f->get();
  else if (auto* b = n.as_boolean()) os << (b->get() ? "true" : "false");
  else os << toml_type_name(n);
  return os.str();
}
}  // namespace

bool TableReader::integer(const char* key, std::int64_t& out, std::optional<std::int64_t> min,
                          std::optional<std::int64_t> max) {
  const toml::node* n = find(key);
  if (!n) return false;
  auto* v = n->as_integer();
  if (!v) {
    error(*n, path(key) + ": expected an integer, got " + toml_type_name(*n));
    return false;
  }
  const std::int64_t x = v->get();
  if ((min && x < *min) || (max && x > *max)) {
    std::string range = min && max ? "in [" + std::to_string(*min) + ", " + std::to_string(*max) + "]"
                        : min      ? ">= " + std::to_string(*min)
                                   : "<= " + std::to_string(*max);
    error(*n, path(key) + ": expected an integer " + range + ", got " + std::to_string(x));
    return false;
  }
  out = x;
  return true;
}

bool TableReader::integer(const char* key, int& out, std::optional<std::int64_t> min, std::optional<std::int64_t> max) {
  std::int64_t v = out;
  if (!max) max = 1'000'000'000;
  if (!integer(key, v, min, max)) return false;
  out = static_cast<int>(v);
  return true;
}

bool TableReader::real(const char* key, double& out, std::optional<double> min, std::optional<double> max,
                       bool min_exclusive, bool max_exclusive) {
  const toml::node* n = find(key);
  if (!n) return false;
  if (!n->is_number()) {
    error(*n, path(key) + ": expected a number, got " + toml_type_name(*n));
    return false;
  }
  const double x = n->value<double>().value_or(NAN);
  const bool low = min && (min_exclusive ? x <= *min : x < *min);
  const bool high = max && (max_exclusive ? x >= *max : x > *max);
  if (!std::isfinite(x) || low || high) {  // nan compares false and inf passes a lower bound
    std::string range;
    if (min) range += std::string(min_exclusive ? "> " : ">= ") + fmt(*min);
    if (max) range += std::string(min ? " and " : "") + (max_exclusive ? "< " : "<= ") + fmt(*max);
    error(*n, path(key) + ": expected a " + (std::isfinite(x) ? "" : "finite ") + "number " + range + ", got " +
                   quote_value(*n));
    return false;
  }
  out = x;
  return true;
}

bool TableReader::boolean(const char* key, bool& out) {
  const toml::node* n = find(key);
  if (!n) return false;
  if (auto* b = n->as_boolean()) {
    out = b->get();
    return true;
  }
  error(*n, path(key) + ": expected true or false, got " + toml_type_name(*n));
  return false;
}

bool TableReader::string(const char* key, std::string& out, const std::vector<std::string>& choices) {
  const toml::node* n = find(key);
  if (!n) return false;
  auto* s = n->as_string();
  if (!s) {
    error(*n, path(key) + ": expected a string, got " + toml_type_name(*n));
    return false;
  }
  if (auto e = not_one_of(s->get(), choices, "\"" + s->get() + "\"")) {
    error(*n, path(key) + ": " + *e);
    return false;
  }
  out = s->get();
  return true;
}

const toml::table* TableReader::table(const char* key) {
  const toml::node* n = find(key);
  if (!n) return nullptr;
  if (auto* t = n->as_table()) return t;
  error(*n, path(key) + ": expected a table, got " + toml_type_name(*n));
  return nullptr;
}

const toml::array* TableReader::array(const char* key) {
  const toml::node* n = find(key);
  if (!n) return nullptr;
  if (auto* a = n->as_array()) return a;
  error(*n, path(key) + ": expected an array, got " + toml_type_name(*n));
  return nullptr;
}

const toml::node* TableReader::node(const char* key) { return find(key); }

void TableReader::finish() {
  for (auto&& [k, v] : table_) {
    if (known_.count(std::string(k.str()))) continue;
    std::string expected;
    for (const auto& name : known_) expected += (expected.empty() ? "" : ", ") + name;
    diags_.error(source_pos(k.source()),
                 "unknown key '" + path(std::string(k.str()).c_str()) + "'" +
                     (expected.empty() ? "" : " (expected one of: " + expected + ")"));
  }
}

}  // namespace alchain
