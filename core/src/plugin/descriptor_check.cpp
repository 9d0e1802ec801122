// The descriptor checks of plugin loading, as a pure function of the descriptor's bytes.
#include "alchain/plugin/descriptor_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "alchain/plugin/param_values.hpp"

namespace alchain {

namespace {

std::string abi_range() {
  const std::string major = std::to_string(ALCHAIN_ABI_MAJOR);
  return ALCHAIN_ABI_MINOR == 0 ? major + ".0" : major + ".0-" + major + "." + std::to_string(ALCHAIN_ABI_MINOR);
}

/// The flags a descriptor of this ABI minor may declare: a 3.0 plugin setting bit 6 was refused
/// by a 3.0 host and must stay refused, or it would skip the needs() check as a "wrapper".
std::uint32_t known_flags(std::uint16_t abi_minor) {
  std::uint32_t known = ALCHAIN_FLAG_MC_DROPOUT | ALCHAIN_FLAG_NEEDS_MC_DROPOUT | ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS |
                        ALCHAIN_FLAG_USES_LABELS | ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL | ALCHAIN_FLAG_SEGMENTATION;
  if (abi_minor >= 1) known |= ALCHAIN_FLAG_WRAPPER;
  if (abi_minor >= 2) known |= ALCHAIN_FLAG_BATCH_SCORES;
  return known;
}

/// A descriptor string read no further than `bound` bytes: its length, or `bound` when it has no
/// NUL within them.
std::size_t bounded_length(const char* s, std::size_t bound) { return s ? ::strnlen(s, bound) : 0; }

/// A string as it may appear in a message: at most `bound` bytes, marked when it did not end there.
std::string shown(const char* s, std::size_t bound) {
  if (s == nullptr) return std::string();
  const std::size_t n = bounded_length(s, bound);
  return std::string(s, n) + (n == bound ? "..." : "");
}

bool valid_name(const char* s, std::size_t bound) {
  if (s == nullptr) return false;
  const std::size_t n = bounded_length(s, bound);
  if (n == 0 || n == bound) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

PluginError bad_descriptor(const std::string& file, const std::string& what) {
  return PluginError(PluginErrorKind::bad_descriptor, file, file + ": " + what);
}

/// The version fields (fixed forever) and the struct size; then `raw` widened into `d`. Nothing
/// else is read before the version is accepted, and nothing past struct_size ever.
void read_versioned(const alchain_plugin_descriptor* raw, const std::string& file, alchain_plugin_descriptor& d) {
  auto bad = [&](const std::string& what) { return bad_descriptor(file, what); };
  if (raw == nullptr) throw bad(ALCHAIN_ENTRY_SYMBOL "() returned a null descriptor");
  const std::uint32_t size = raw->struct_size;
  constexpr std::size_t kVersionEnd = offsetof(alchain_plugin_descriptor, abi_minor) + sizeof raw->abi_minor;
  if (size < kVersionEnd)
    throw bad("descriptor of " + std::to_string(size) + " bytes, too short to hold its ABI version");
  const std::string version = std::to_string(raw->abi_major) + "." + std::to_string(raw->abi_minor);
  if (raw->abi_major != ALCHAIN_ABI_MAJOR || raw->abi_minor > ALCHAIN_ABI_MINOR)
    throw PluginError(PluginErrorKind::abi_mismatch, file,
                      file + ": ABI " + version + ", host supports " + abi_range() +
                          (raw->abi_major == ALCHAIN_ABI_MAJOR ? " (built against a newer alchain SDK)" : ""));
  // Append-only: a descriptor from an older minor is shorter. Every field up to `destroy` has been
  // there since 1.0; later fields (`flags`) are read only if the plugin's struct has them, and
  // default to zero otherwise.
  constexpr std::size_t kOldest = offsetof(alchain_plugin_descriptor, flags);
  if (size < kOldest)
    throw bad("descriptor of " + std::to_string(size) + " bytes, ABI " + version + " needs at least " +
              std::to_string(kOldest));
  std::memcpy(&d, raw, std::min<std::size_t>(size, sizeof d));
  d.struct_size = static_cast<std::uint32_t>(sizeof d);
}

/// Kind, name, strings, fingerprint, factory, flags and the size of the parameter table; returns
/// the plugin's label ("policy 'foo'") for later messages.
std::string check_header(const alchain_plugin_descriptor& d, const std::string& file,
                         const std::string& host_fingerprint) {
  auto bad = [&](const std::string& what) { return bad_descriptor(file, what); };
  if (d.kind < ALCHAIN_KIND_DATASET || d.kind > ALCHAIN_KIND_ORACLE) throw bad("unknown plugin kind " + std::to_string(d.kind));
  const auto kind = static_cast<PluginKind>(d.kind);
  if (!valid_name(d.name, kMaxPluginNameBytes))
    throw bad("plugin name '" + shown(d.name, kMaxPluginNameBytes) + "' is not of the form [a-z0-9_]+ (at most " +
              std::to_string(kMaxPluginNameBytes - 1) + " characters)");
  const std::string label = std::string(to_string(kind)) + " '" + d.name + "'";
  for (const auto& [field, s] : {std::pair<const char*, const char*>{"version", d.version},
                                 {"description", d.description},
                                 {"fingerprint", d.fingerprint}})
    if (bounded_length(s, kMaxDescriptorStringBytes) == kMaxDescriptorStringBytes)
      throw bad(label + ": its " + field + " is not a string of at most " + std::to_string(kMaxDescriptorStringBytes - 1) +
                " bytes");
  const std::string fingerprint = d.fingerprint ? std::string(d.fingerprint) : std::string();
  if (fingerprint != host_fingerprint)
    throw PluginError(PluginErrorKind::fingerprint_mismatch, file,
                      file + ": " + label + " was built as '" + fingerprint + "', host is '" + host_fingerprint +
                          "'; C++ and LibTorch objects cannot cross: rebuild it against this SDK");
  if (d.create == nullptr || d.destroy == nullptr) throw bad(label + " has no factory");
  if (const std::uint32_t unknown = d.flags & ~known_flags(d.abi_minor)) {
    std::ostringstream hex;
    hex << std::hex << unknown;
    throw bad(label + " declares unknown flags 0x" + hex.str() + " (for ABI " + std::to_string(d.abi_major) + "." +
              std::to_string(d.abi_minor) + "; this host knows ABI " + abi_range() + ")");
  }
  if (d.param_count > 0 && d.params == nullptr) throw bad(label + " declares parameters but gives none");
  if (d.param_count > kMaxPluginParams)
    throw bad(label + " declares " + std::to_string(d.param_count) + " parameters, at most " +
              std::to_string(kMaxPluginParams) + " are allowed");
  return label;
}

/// Parameter `i` of the descriptor, checked against the ones before it (`earlier`).
ParamSpec read_param(const alchain_param_spec& s, std::uint32_t i, const std::vector<ParamSpec>& earlier,
                     const std::string& label, const std::string& file) {
  auto bad = [&](const std::string& what) { return bad_descriptor(file, what); };
  if (!valid_name(s.name, kMaxPluginNameBytes) || s.type < ALCHAIN_PARAM_BOOL || s.type > ALCHAIN_PARAM_FLOAT_LIST)
    throw bad(label + ": parameter " + std::to_string(i) + " has a bad name or type");
  ParamSpec spec;
  spec.name = s.name;
  for (const auto& [field, str] : {std::pair<const char*, const char*>{"default", s.default_value},
                                   {"choices", s.choices},
                                   {"doc", s.doc}})
    if (bounded_length(str, kMaxDescriptorStringBytes) == kMaxDescriptorStringBytes)
      throw bad(label + ": the " + field + " of parameter '" + spec.name + "' is not a string of at most " +
                std::to_string(kMaxDescriptorStringBytes - 1) + " bytes");
  for (const ParamSpec& e : earlier)
    if (e.name == spec.name) throw bad(label + ": parameter '" + spec.name + "' is declared twice");
  spec.type = static_cast<ParamType>(s.type);
  if (s.default_value) spec.default_value = s.default_value;
  if (!std::isnan(s.min)) spec.min = s.min;
  if (!std::isnan(s.max)) spec.max = s.max;
  if (spec.min && spec.max && *spec.min > *spec.max)
    throw bad(label + ": parameter '" + spec.name + "' has min > max");
  if (s.choices) {
    std::stringstream ss(s.choices);
    std::string c;
    while (std::getline(ss, c, '|')) spec.choices.push_back(c);
  }
  spec.doc = s.doc ? s.doc : "";
  if (auto err = check_param_default(spec))
    throw bad(label + ": default of parameter '" + spec.name + "': " + *err);
  return spec;
}

/// A wrapper is trusted to pass on its base's needs (it is allowed every flag at creation), so the
/// flag is accepted only where a base can exist: a policy with a string parameter `base`.
void check_wrapper(const PluginInfo& info, const std::string& label, const std::string& file) {
  if (!(info.flags & ALCHAIN_FLAG_WRAPPER)) return;
  const bool has_base = std::any_of(info.params.begin(), info.params.end(), [](const ParamSpec& p) {
    return p.name == "base" && p.type == ParamType::string;
  });
  if (info.kind != PluginKind::policy || !has_base)
    throw bad_descriptor(file, label + " declares ALCHAIN_FLAG_WRAPPER, which only a policy with a string "
                                       "parameter 'base' (the policy it wraps) may declare");
}

}  // namespace

CheckedDescriptor check_descriptor(const alchain_plugin_descriptor* raw, const std::string& file,
                                   const std::string& host_fingerprint) {
  CheckedDescriptor out;
  alchain_plugin_descriptor& d = out.descriptor;
  read_versioned(raw, file, d);
  const std::string label = check_header(d, file, host_fingerprint);
  PluginInfo& info = out.info;
  info.kind = static_cast<PluginKind>(d.kind);
  info.name = d.name;
  info.version = d.version ? d.version : "";
  info.description = d.description ? d.description : "";
  info.fingerprint = d.fingerprint ? std::string(d.fingerprint) : std::string();
  info.file = file;
  info.abi_major = d.abi_major;
  info.abi_minor = d.abi_minor;
  info.flags = d.flags;
  for (std::uint32_t i = 0; i < d.param_count; ++i) info.params.push_back(read_param(d.params[i], i, info.params, label, file));
  check_wrapper(info, label, file);
  return out;
}

}  // namespace alchain
