// libFuzzer target: pipeline parsing and the structural validation of `alchain validate --syntax-only`.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plan/plan.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "fuzz_plugins.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const alchain::PluginRegistry& registry = alchain::fuzz::shipped_plugins();
  const std::string text(reinterpret_cast<const char*>(data), size);
  alchain::Diagnostics diags("fuzz.toml");
  alchain::Pipeline p;
  try {
    p = alchain::parse_pipeline(text, "fuzz.toml", registry, diags);
  } catch (const std::exception&) {
    // parse_pipeline reports into diags; an escaping exception is a defect that the CLI would
    // turn into an unpositioned error.
    __builtin_trap();
  }
  for (const auto& d : diags.items())
    if (d.file != "fuzz.toml" || d.message.empty()) __builtin_trap();  // every error names the file and says why
  if (diags.empty() && !p.assessment.present) {
    // What validates must also expand into a plan (`alchain plan`), for pools of a few sizes.
    for (std::int64_t pool : {60000, 100}) {
      try {
        (void)alchain::expand_plan(p, pool);
      } catch (const std::runtime_error&) {
        // a budget larger than the pool is refused with a message: that is check_runnable's job
      }
    }
  }
  return 0;
}
