// Helpers of test_support.hpp that need toml++ (kept out of the header every test includes).
#include "test_support.hpp"

#include <doctest/doctest.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/sdk/dataset.hpp"

namespace alchain::test {

Params plugin_params(PluginKind kind, const std::string& name, const std::string& params_toml) {
  const auto& info = shipped_plugins().get(kind, name);
  toml::table t = toml::parse(params_toml);
  Diagnostics d("test");
  Params params = resolve_plugin_params(info, &t, "params", {}, d);
  REQUIRE_MESSAGE(d.empty(), d.str());
  return params;
}

std::shared_ptr<Dataset> make_dataset(const std::string& name, const std::string& params_toml) {
  return shipped_plugins().create_dataset(name, plugin_params(PluginKind::dataset, name, params_toml), CreateContext{});
}

}  // namespace alchain::test
