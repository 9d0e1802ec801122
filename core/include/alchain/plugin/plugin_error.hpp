/// Typed errors of plugin loading and use, each naming the file involved.
#pragma once

#include <stdexcept>
#include <string>

namespace alchain {

enum class PluginErrorKind {
  open_failed,          ///< not a loadable shared library
  missing_entry,        ///< a shared library without the alchain entry symbol
  bad_descriptor,       ///< the entry returned something unusable (null, too small, unknown kind or flags, bad name, no factory, bad param spec)
  abi_mismatch,         ///< major differs, or minor newer than the host
  fingerprint_mismatch, ///< built with another compiler, libstdc++ ABI or LibTorch
  duplicate_name,       ///< two files provide the same (kind, name)
  unknown_name,         ///< no plugin of that kind and name
  init_failed,          ///< the plugin's factory failed (threw), or the object it made asks for more than its descriptor's flags declare
};

const char* to_string(PluginErrorKind kind);

class PluginError : public std::runtime_error {
 public:
  PluginError(PluginErrorKind kind, std::string file, const std::string& message)
      : std::runtime_error(message), kind_(kind), file_(std::move(file)) {}
  PluginErrorKind kind() const { return kind_; }
  /// The plugin file concerned (empty for unknown_name).
  const std::string& file() const { return file_; }

 private:
  PluginErrorKind kind_;
  std::string file_;
};

}  // namespace alchain
