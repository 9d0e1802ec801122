/// Validates a plugin descriptor's contents as pure data: no library is loaded and no plugin code runs.
#pragma once

#include <cstddef>
#include <string>

#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/sdk/abi.h"

namespace alchain {

/// Bounds of what the check reads: a plugin name (NUL included), any other descriptor or
/// parameter string (NUL included), and the parameter table.
constexpr std::size_t kMaxPluginNameBytes = 64;
constexpr std::size_t kMaxDescriptorStringBytes = 4096;
constexpr std::uint32_t kMaxPluginParams = 256;

/// A descriptor that passed: what the host knows of the plugin, and the descriptor widened to
/// this host's struct (fields newer than the plugin's minor are zero).
struct CheckedDescriptor {
  PluginInfo info;
  alchain_plugin_descriptor descriptor{};
};

/// Checks `raw`, the descriptor `file` gave (file names it in messages): ABI version, struct
/// size, kind, name, strings, fingerprint against `host_fingerprint`, factory, flags and the
/// parameter table (names, types, defaults). Reads `struct_size` first, then no byte past it;
/// each string up to its NUL or its bound; at most `param_count` parameter entries, and only
/// once the count is within kMaxPluginParams. Throws PluginError (abi_mismatch, bad_descriptor
/// or fingerprint_mismatch) with a message that starts with `file`.
CheckedDescriptor check_descriptor(const alchain_plugin_descriptor* raw, const std::string& file,
                                   const std::string& host_fingerprint);

}  // namespace alchain
