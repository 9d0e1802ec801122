// Reads one TOML table into typed fields, reporting type, range and unknown-key errors with positions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "alchain/pipeline/diagnostics.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/util/toml_text.hpp"

namespace alchain {

/// Wraps a table: each getter marks its key as known and leaves `out` untouched when the key is
/// absent (so the default in the options struct stays) or invalid (after reporting it);
/// finish() reports every key that no getter asked for.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, Diagnostics& diags)
      : table_(table), prefix_(std::move(prefix)), diags_(diags) {}

  bool integer(const char* key, std::int64_t& out, std::optional<std::int64_t> min = {},
               std::optional<std::int64_t> max = {});
  bool integer(const char* key, int& out, std::optional<std::int64_t> min = {}, std::optional<std::int64_t> max = {});
  bool real(const char* key, double& out, std::optional<double> min = {}, std::optional<double> max = {},
            bool min_exclusive = false, bool max_exclusive = false);
  bool boolean(const char* key, bool& out);
  bool string(const char* key, std::string& out, const std::vector<std::string>& choices = {});
  const toml::table* table(const char* key);
  const toml::array* array(const char* key);
  const toml::node* node(const char* key);
  void finish();

  /// "training.lr" for key "lr" of the [training] table.
  std::string path(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  void error(const toml::node& at, const std::string& message) { diags_.error(source_pos(at.source()), message); }
  SourcePos pos() const { return source_pos(table_.source()); }

 private:
  const toml::node* find(const char* key) {
    known_.insert(key);
    return table_.get(key);
  }
  const toml::table& table_;
  std::string prefix_;
  Diagnostics& diags_;
  std::set<std::string> known_;
};

}  // namespace alchain
