// The pipeline fuzzer's stand-in declarations (tests/fuzz/fuzz_plugins.hpp) match the shipped plugins exactly.
#include <doctest/doctest.h>

#include "../fuzz/fuzz_plugins.hpp"
#include "test_support.hpp"

using namespace alchain;

TEST_CASE("the pipeline fuzzer declares every shipped plugin as the plugin itself does") {
  const PluginRegistry& real = test::shipped_plugins();
  const PluginRegistry& fuzz = fuzz::shipped_plugins();
  std::size_t compared = 0;
  for (const PluginInfo* p : real.plugins()) {
    if (p->file.find("/fixtures/") != std::string::npos) continue;
    CAPTURE(p->name);
    REQUIRE(fuzz.contains(p->kind, p->name));
    const PluginInfo& f = fuzz.get(p->kind, p->name);
    CHECK(f.flags == p->flags);
    REQUIRE(f.params.size() == p->params.size());
    for (std::size_t i = 0; i < p->params.size(); ++i) {
      const ParamSpec &a = p->params[i], &b = f.params[i];
      CAPTURE(a.name);
      CHECK(b.name == a.name);
      CHECK(b.type == a.type);
      CHECK(b.default_value == a.default_value);
      CHECK(b.min == a.min);
      CHECK(b.max == a.max);
      CHECK(b.choices == a.choices);
    }
    ++compared;
  }
  CHECK(compared == fuzz.plugins().size());  // and no plugin the fuzzer knows is missing from the build
}
