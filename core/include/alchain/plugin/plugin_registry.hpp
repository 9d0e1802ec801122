/// Finds plugin libraries, validates their descriptors and creates their objects by (kind, name).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alchain/plugin/plugin_error.hpp"

struct alchain_plugin_descriptor;

namespace alchain {

class Dataset;
class PseudoOracle;
class Model;
class Policy;
class Params;
struct CreateContext;

enum class PluginKind : std::uint32_t { dataset = 1, model = 2, policy = 3, oracle = 4 };
const char* to_string(PluginKind kind);

enum class ParamType : std::uint32_t { boolean = 1, integer = 2, real = 3, string = 4, int_list = 5, float_list = 6 };
const char* to_string(ParamType type);

/// A plugin parameter as declared by its descriptor (copied out of the library).
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::integer;
  std::optional<std::string> default_value;  ///< TOML literal; none = required
  std::optional<double> min, max;
  std::vector<std::string> choices;
  std::string doc;
};

/// What the host knows of a loaded plugin.
struct PluginInfo {
  PluginKind kind = PluginKind::policy;
  std::string name, version, description, fingerprint;
  std::string file;
  unsigned abi_major = 0, abi_minor = 0;
  std::uint32_t flags = 0;  ///< alchain_plugin_flag bits
  std::vector<ParamSpec> params;
  bool has(std::uint32_t flag) const { return (flags & flag) != 0; }
};

/// The host's fingerprint, as ALCHAIN_BUILD_FINGERPRINT gives it in this build.
const std::string& host_fingerprint();

/// The directories scanned, in order: `cli_dirs`, then $ALCHAIN_PLUGIN_PATH (':'-separated), then
/// the plugins shipped with this build or installation.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::filesystem::path>& cli_dirs);

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  /// Loads every `*.so` directly inside each directory, directories in order, files sorted by
  /// name. A file that fails to load is recorded in problems(); scanning goes on.
  void scan(const std::vector<std::filesystem::path>& dirs);
  /// Loads one file and validates its descriptor before calling any plugin function but the
  /// entry. Throws PluginError. Registering a second plugin with a taken (kind, name) is recorded
  /// as a problem and makes that name unusable until resolved. Unless ALCHAIN_NO_PLUGIN_PROBE is
  /// set, the file is first loaded in a child process (scan() does that for all its files at
  /// once), so a file that crashes the loader is refused instead of crashing the host.
  const PluginInfo& load(const std::filesystem::path& file);
  /// Registers a descriptor already in memory (a plugin linked into the program, or a test's)
  /// after the same checks as a loaded file's (check_descriptor); `origin` stands for the file in
  /// messages. Throws PluginError as load() does.
  const PluginInfo& add(const alchain_plugin_descriptor* descriptor, const std::string& origin);

  /// Load failures and duplicates met by scan(), in order.
  const std::vector<PluginError>& problems() const { return problems_; }
  /// Every plugin loaded, sorted by kind then name.
  std::vector<const PluginInfo*> plugins() const;
  std::vector<std::string> names(PluginKind kind) const;

  /// The plugin of that kind and name. Throws unknown_name (listing the available names and any
  /// load problems) or duplicate_name (naming both files).
  const PluginInfo& get(PluginKind kind, const std::string& name) const;
  bool contains(PluginKind kind, const std::string& name) const;

  std::shared_ptr<Dataset> create_dataset(const std::string& name, const Params& params, const CreateContext& ctx) const;
  std::shared_ptr<Model> create_model(const std::string& name, const Params& params, const CreateContext& ctx) const;
  std::shared_ptr<Policy> create_policy(const std::string& name, const Params& params, const CreateContext& ctx) const;
  std::shared_ptr<PseudoOracle> create_oracle(const std::string& name, const Params& params, const CreateContext& ctx) const;

 private:
  struct Entry;
  const PluginInfo& load_probed(const std::filesystem::path& file);
  const PluginInfo& add_entry(std::unique_ptr<Entry> entry);
  const Entry& entry(PluginKind kind, const std::string& name) const;
  void* create(PluginKind kind, const std::string& name, const Params& params, const CreateContext& ctx,
               std::shared_ptr<void>* keep_alive, void (**destroy)(void*)) const;
  template <class T>
  std::shared_ptr<T> create_as(PluginKind kind, const std::string& name, const Params& params,
                               const CreateContext& ctx) const;

  std::vector<std::unique_ptr<Entry>> entries_;
  std::map<std::pair<PluginKind, std::string>, std::vector<const Entry*>> by_name_;
  std::vector<PluginError> problems_;
};

}  // namespace alchain
