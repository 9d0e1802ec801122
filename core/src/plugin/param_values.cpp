// Converts TOML values to plugin parameters according to their declared specs.
#include "alchain/plugin/param_values.hpp"

#include <cmath>
#include <sstream>

#include "alchain/util/toml_text.hpp"
#include "alchain/util/text.hpp"

namespace alchain {

namespace {

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::optional<std::string> check_bounds(const ParamSpec& s, double x) {
  if (!std::isfinite(x)) return "expected a finite number, got " + fmt(x);  // nan passes every bound
  if ((s.min && x < *s.min) || (s.max && x > *s.max)) {
    std::string range = s.min && s.max ? "in [" + fmt(*s.min) + ", " + fmt(*s.max) + "]"
                        : s.min        ? ">= " + fmt(*s.min)
                                       : "<= " + fmt(*s.max);
    return "expected a value " + range + ", got " + fmt(x);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ParamValue> param_value_from_toml(const toml::node& n, const ParamSpec& s, std::string& error) {
  auto wrong = [&](const char* want) {
    error = std::string("expected ") + want + ", got " + toml_type_name(n);
    return std::nullopt;
  };
  // Choices: "a|b|c" for strings, "1|3" for integers (checked against the integer's decimal form).
  auto chosen = [&](const std::string& v, const std::string& shown) { return not_one_of(v, s.choices, shown); };
  switch (s.type) {
    case ParamType::boolean:
      if (auto* b = n.as_boolean()) return ParamValue(b->get());
      return wrong("true or false");
    case ParamType::integer:
      if (auto* i = n.as_integer()) {
        if (auto e = check_bounds(s, static_cast<double>(i->get()))) return error = *e, std::nullopt;
        const std::string v = std::to_string(i->get());
        if (auto e = chosen(v, v)) return error = *e, std::nullopt;
        return ParamValue(i->get());
      }
      return wrong("an integer");
    case ParamType::real:
      if (n.is_number()) {
        const double x = n.value<double>().value_or(NAN);
        if (auto e = check_bounds(s, x)) return error = *e, std::nullopt;
        return ParamValue(x);
      }
      return wrong("a number");
    case ParamType::string:
      if (auto* str = n.as_string()) {
        if (auto e = chosen(str->get(), "\"" + str->get() + "\"")) return error = *e, std::nullopt;
        return ParamValue(str->get());
      }
      return wrong("a string");
    case ParamType::int_list:
    case ParamType::float_list: {
      auto* arr = n.as_array();
      const bool ints = s.type == ParamType::int_list;
      if (!arr) return wrong(ints ? "an array of integers" : "an array of numbers");
      std::vector<std::int64_t> iv;
      std::vector<double> fv;
      for (const auto& el : *arr) {
        if (ints ? !el.is_integer() : !el.is_number())
          return error = std::string("expected an array of ") + (ints ? "integers" : "numbers") +
                         ", found " + toml_type_name(el),
                 std::nullopt;
        const double x = el.value<double>().value_or(NAN);
        if (auto e = check_bounds(s, x)) return error = *e, std::nullopt;
        if (ints) iv.push_back(el.value<std::int64_t>().value_or(0));
        else fv.push_back(x);
      }
      return ints ? ParamValue(iv) : ParamValue(fv);
    }
  }
  return wrong("a known type");
}

std::optional<ParamValue> param_default_value(const ParamSpec& s, std::string& error) {
  const std::string text = "v = " + *s.default_value;
  if (const auto hazard = find_toml_hazard(text)) {  // toml++ 3.3 must not see it
    error = "'" + *s.default_value + "' is not a TOML value: " + hazard->message;
    return std::nullopt;
  }
  try {
    toml::table t = toml::parse(text);
    return param_value_from_toml(*t.get("v"), s, error);
  } catch (const toml::parse_error& e) {
    error = "'" + *s.default_value + "' is not a TOML value: " + std::string(e.description());
    return std::nullopt;
  }
}

std::optional<std::string> check_param_default(const ParamSpec& spec) {
  if (!spec.default_value) return std::nullopt;
  std::string error;
  if (!param_default_value(spec, error)) return error;
  return std::nullopt;
}

}  // namespace alchain
