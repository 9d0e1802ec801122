// The plugin host: real plugins load; each broken fixture fails with its own typed, named error.
#include <csignal>
#include <cstddef>

#include <doctest/doctest.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/descriptor_check.hpp"
#include "alchain/plugin/requirements.hpp"
#include "alchain/sdk/plugin.hpp"
#include "test_support.hpp"

using namespace alchain;
using alchain::test::fixture_dir;

// What the host's messages call the versions it loads: "3.0" at minor 0, "3.0-3.1" after.
static const std::string kHostAbi =
    std::to_string(ALCHAIN_ABI_MAJOR) + ".0" +
    (ALCHAIN_ABI_MINOR == 0 ? std::string()
                            : "-" + std::to_string(ALCHAIN_ABI_MAJOR) + "." + std::to_string(ALCHAIN_ABI_MINOR));

// The descriptor layout is part of the ABI: append-only, pinned here (x86-64 / LP64).
static_assert(offsetof(alchain_plugin_descriptor, struct_size) == 0);
static_assert(offsetof(alchain_plugin_descriptor, abi_major) == 4);
static_assert(offsetof(alchain_plugin_descriptor, abi_minor) == 6);
static_assert(offsetof(alchain_plugin_descriptor, kind) == 8);
static_assert(offsetof(alchain_plugin_descriptor, name) == 16);
static_assert(offsetof(alchain_plugin_descriptor, version) == 24);
static_assert(offsetof(alchain_plugin_descriptor, description) == 32);
static_assert(offsetof(alchain_plugin_descriptor, fingerprint) == 40);
static_assert(offsetof(alchain_plugin_descriptor, params) == 48);
static_assert(offsetof(alchain_plugin_descriptor, param_count) == 56);
static_assert(offsetof(alchain_plugin_descriptor, create) == 64);
static_assert(offsetof(alchain_plugin_descriptor, destroy) == 72);
static_assert(offsetof(alchain_plugin_descriptor, flags) == 80);
static_assert(sizeof(alchain_plugin_descriptor) == 88);
static_assert(offsetof(alchain_param_spec, name) == 0);
static_assert(offsetof(alchain_param_spec, type) == 8);
static_assert(offsetof(alchain_param_spec, default_value) == 16);
static_assert(offsetof(alchain_param_spec, min) == 24);
static_assert(offsetof(alchain_param_spec, max) == 32);
static_assert(offsetof(alchain_param_spec, choices) == 40);
static_assert(offsetof(alchain_param_spec, doc) == 48);
static_assert(sizeof(alchain_param_spec) == 56);

namespace {

/// Loads the single library of a fixture directory and returns the error it raised.
PluginError load_error(const std::string& fixture) {
  PluginRegistry r;
  for (const auto& e : std::filesystem::directory_iterator(fixture_dir(fixture))) {
    try {
      r.load(e.path());
    } catch (const PluginError& err) {
      return err;
    }
  }
  FAIL("fixture '" << fixture << "' loaded without error");
  throw;  // unreachable
}

}  // namespace

TEST_CASE("every shipped plugin loads with the host's ABI and fingerprint") {
  const PluginRegistry& r = test::shipped_plugins();
  CHECK(r.problems().empty());
  CHECK(r.names(PluginKind::dataset) == std::vector<std::string>{"ade20k", "cityscapes", "fashion_mnist", "fmnist_scenes", "image_folder"});
  CHECK(r.names(PluginKind::model) == std::vector<std::string>{"deeplabv3plus", "lenet5", "mlp", "mobilenet_v3_large", "mobilenet_v3_small", "resnet18", "resnet20", "resnet34", "resnet50"});
  CHECK(r.names(PluginKind::policy) ==
        std::vector<std::string>{"badge", "bald", "committee", "coreset", "entropy", "least_confidence", "llal",
                                 "margin", "mc_entropy", "power", "random", "true_loss", "variation_ratios"});
  CHECK(r.get(PluginKind::model, "lenet5").has(ALCHAIN_FLAG_MC_DROPOUT));
  CHECK_FALSE(r.get(PluginKind::model, "resnet20").has(ALCHAIN_FLAG_MC_DROPOUT));
  CHECK(r.get(PluginKind::policy, "bald").has(ALCHAIN_FLAG_NEEDS_MC_DROPOUT));
  CHECK(r.get(PluginKind::policy, "committee").has(ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS));
  CHECK(r.get(PluginKind::policy, "true_loss").has(ALCHAIN_FLAG_USES_LABELS));
  for (const PluginInfo* p : r.plugins()) {
    CHECK(p->abi_major == ALCHAIN_ABI_MAJOR);
    CHECK(p->fingerprint == host_fingerprint());
    CHECK(std::filesystem::exists(p->file));
    CHECK_FALSE(p->description.empty());
  }
  const auto& res = r.get(PluginKind::model, "resnet20");
  REQUIRE(res.params.size() == 1);
  CHECK(res.params[0].name == "width");
  CHECK(res.params[0].default_value.value() == "1");
}

TEST_CASE("a good fixture loads and its factory runs") {
  PluginRegistry r;
  r.scan({fixture_dir("good")});
  REQUIRE(r.problems().empty());
  Params p;
  p.set("alpha", 0.5);
  auto policy = r.create_policy("fixture_good", p, CreateContext{});
  REQUIRE(policy);
  CHECK(policy->needs() == kNeedLogits);
}

TEST_CASE("missing entry symbol") {
  const PluginError e = load_error("missing_entry");
  CHECK(e.kind() == PluginErrorKind::missing_entry);
  CHECK(std::string(e.what()).find("libalchain_policy_fixture_missing_entry.so") != std::string::npos);
  CHECK(std::string(e.what()).find("no symbol 'alchain_plugin_entry'") != std::string::npos);
}

TEST_CASE("a plugin of the previous ABI major is refused, naming both versions") {
  const PluginError e = load_error("abi_major");
  CHECK(e.kind() == PluginErrorKind::abi_mismatch);
  const std::string msg = e.what();
  CHECK(msg.find("libalchain_policy_fixture_abi_major.so: ABI 1.1, host supports " + kHostAbi) != std::string::npos);
}

TEST_CASE("a future minor version is refused") {
  const PluginError e = load_error("future_minor");
  CHECK(e.kind() == PluginErrorKind::abi_mismatch);
  CHECK(std::string(e.what()).find("ABI " + std::to_string(ALCHAIN_ABI_MAJOR) + "." + std::to_string(ALCHAIN_ABI_MINOR + 1)) != std::string::npos);
  CHECK(std::string(e.what()).find("newer alchain SDK") != std::string::npos);
}

TEST_CASE("a fingerprint mismatch is refused before any plugin code runs") {
  const PluginError e = load_error("fingerprint");
  CHECK(e.kind() == PluginErrorKind::fingerprint_mismatch);
  const std::string msg = e.what();
  CHECK(msg.find("compiler=clang 99.0,torch=9.9.9") != std::string::npos);
  CHECK(msg.find(host_fingerprint()) != std::string::npos);
}

// The fixture's descriptor ends after `destroy`, as it did before `flags` was appended: what a plugin
// from an older minor looks like to a host that appended a field.
TEST_CASE("a shorter descriptor from an older minor (ending before flags) loads, its missing fields defaulted") {
  PluginRegistry r;
  r.scan({fixture_dir("old_minor")});
  REQUIRE(r.problems().empty());
  const PluginInfo& info = r.get(PluginKind::policy, "fixture_old");
  CHECK(info.abi_minor == 0);
  CHECK(info.flags == 0);  // not the 0xffffffff the fixture placed right after its shorter struct
  CHECK(info.version == "0.9.0");
  CreateContext ctx;
  Params params;
  params.set("alpha", 0.5);
  const auto policy = r.create_policy("fixture_old", params, ctx);
  CHECK(policy->needs() == kNeedLogits);
}

TEST_CASE("a policy whose needs() ask for more than its descriptor declares is refused at creation") {
  PluginRegistry r;
  r.scan({fixture_dir("lying_needs")});
  REQUIRE(r.problems().empty());
  CreateContext ctx;
  Params params;
  params.set("alpha", 0.5);
  try {
    r.create_policy("fixture_liar", params, ctx);
    FAIL("expected a refusal");
  } catch (const PluginError& e) {
    CHECK(e.kind() == PluginErrorKind::init_failed);
    CHECK(std::string(e.what()).find("asks for MC-dropout passes in needs() but its descriptor does not declare "
                                     "ALCHAIN_FLAG_NEEDS_MC_DROPOUT") != std::string::npos);
    CHECK(std::string(e.what()).find("libalchain_policy_fixture_lying_needs.so") != std::string::npos);
  }
  // Every shipped policy and oracle keeps its promise (power with an MC base included).
  const PluginRegistry& shipped = test::shipped_plugins();
  for (const auto& name : shipped.names(PluginKind::policy)) {
    CAPTURE(name);
    try {
      shipped.create_policy(name, default_params(shipped.get(PluginKind::policy, name)), ctx);
    } catch (const PluginError& e) {
      CHECK(std::string(e.what()).find("needs()") == std::string::npos);
    }
  }
}

TEST_CASE("no file in the plugin path can crash the host: truncated objects and crashing entries are refused") {
  for (const std::string& c : {std::string("truncated"), std::string("crashing_entry")}) {
    CAPTURE(c);
    const PluginError e = load_error(c);
    CHECK(e.kind() == PluginErrorKind::open_failed);
    const std::string msg = e.what();
    CHECK(msg.find(fixture_dir(c).string()) != std::string::npos);
    CHECK(msg.find("crashed a probe process (signal " + std::to_string(c == "truncated" ? SIGBUS : SIGSEGV)) !=
          std::string::npos);
  }
  // The rest of the path still loads.
  PluginRegistry r;
  r.scan({fixture_dir("truncated"), fixture_dir("crashing_entry"), test::plugin_dir()});
  CHECK(r.problems().size() == 2);
  CHECK(r.contains(PluginKind::policy, "entropy"));
}

TEST_CASE("a bad parameter default is a bad descriptor") {
  const PluginError e = load_error("bad_default");
  CHECK(e.kind() == PluginErrorKind::bad_descriptor);
  CHECK(std::string(e.what()).find("default of parameter 'alpha'") != std::string::npos);
}

TEST_CASE("a file that is not a shared library") {
  const PluginError e = load_error("not_a_plugin");
  CHECK(e.kind() == PluginErrorKind::open_failed);
  CHECK(std::string(e.what()).find("libalchain_policy_garbage.so: cannot be loaded") != std::string::npos);
}

TEST_CASE("a throwing factory reaches the user as an error naming the plugin") {
  PluginRegistry r;
  r.scan({fixture_dir("throws")});
  REQUIRE(r.problems().empty());
  Params p;
  p.set("alpha", 0.5);
  try {
    r.create_policy("fixture_throws", p, CreateContext{});
    FAIL("no error");
  } catch (const PluginError& e) {
    CHECK(e.kind() == PluginErrorKind::init_failed);
    const std::string msg = e.what();
    CHECK(msg.find("policy 'fixture_throws'") != std::string::npos);
    CHECK(msg.find("libalchain_policy_fixture_throws.so") != std::string::npos);
    CHECK(msg.find("missing calibration file") != std::string::npos);
  }
}

TEST_CASE("a duplicate name names both files, and the name becomes unusable") {
  PluginRegistry r;
  r.scan({fixture_dir("duplicate")});
  REQUIRE(r.problems().size() == 1);
  CHECK(r.problems()[0].kind() == PluginErrorKind::duplicate_name);
  const std::string msg = r.problems()[0].what();
  CHECK(msg.find("libalchain_policy_fixture_dup_a.so") != std::string::npos);
  CHECK(msg.find("libalchain_policy_fixture_dup_b.so") != std::string::npos);
  CHECK_THROWS_WITH_AS(r.get(PluginKind::policy, "twin"), doctest::Contains("provided twice"), PluginError);
}

TEST_CASE("an unknown name lists what exists and why other files did not load") {
  PluginRegistry r;
  r.scan({test::plugin_dir(), fixture_dir("abi_major")});
  try {
    r.get(PluginKind::model, "resnet51");
    FAIL("no error");
  } catch (const PluginError& e) {
    CHECK(e.kind() == PluginErrorKind::unknown_name);
    const std::string msg = e.what();
    CHECK(msg.find("unknown model 'resnet51' (available: deeplabv3plus, lenet5, mlp, mobilenet_v3_large, mobilenet_v3_small, resnet18, resnet20, resnet34, resnet50)") == 0);
    CHECK(msg.find("ABI 1.1, host supports " + kHostAbi) != std::string::npos);
  }
}

TEST_CASE("scan order is deterministic: directories in order, files sorted") {
  PluginRegistry a, b;
  a.scan({fixture_dir("good"), test::plugin_dir()});
  b.scan({fixture_dir("good"), test::plugin_dir()});
  std::vector<std::string> fa, fb;
  for (auto* p : a.plugins()) fa.push_back(p->file);
  for (auto* p : b.plugins()) fb.push_back(p->file);
  CHECK(fa == fb);
  std::size_t shipped = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::plugin_dir()))
    shipped += e.path().extension() == ".so";
  CHECK(shipped >= 22);             // 2 datasets, 3 models, 13 policies, 4 oracles at least
  CHECK(fa.size() == shipped + 1);  // and the fixture
}

namespace {
void* wrapper_test_create(const void*, const void*, char*, std::size_t) { return nullptr; }
void wrapper_test_destroy(void*) {}
}  // namespace

TEST_CASE("ALCHAIN_FLAG_WRAPPER: only a 3.1 policy with a string 'base' may declare it; a 3.0 one with 'base' is still a wrapper") {
  const alchain_param_spec base[] = {
      {"base", ALCHAIN_PARAM_STRING, "\"entropy\"", ALCHAIN_UNBOUNDED, ALCHAIN_UNBOUNDED, nullptr, "wrapped"}};
  const alchain_param_spec other[] = {{"beta", ALCHAIN_PARAM_FLOAT, "1.0", 0, ALCHAIN_UNBOUNDED, nullptr, "b"}};
  const auto descriptor = [&](std::uint32_t kind, std::uint16_t minor, const alchain_param_spec* params,
                              std::uint32_t flags) {
    return alchain_plugin_descriptor{sizeof(alchain_plugin_descriptor), ALCHAIN_ABI_MAJOR, minor, kind, "wrap",
                                     "1.0.0", "d", "fp", params, 1, wrapper_test_create, wrapper_test_destroy, flags};
  };
  const auto check = [](const alchain_plugin_descriptor& d) { return check_descriptor(&d, "lib/wrap.so", "fp"); };

  // Declared where it belongs: taken for a wrapper.
  const CheckedDescriptor ok = check(descriptor(ALCHAIN_KIND_POLICY, 1, base, ALCHAIN_FLAG_WRAPPER));
  CHECK(is_wrapper_policy(ok.info));
  // A 3.1 policy with 'base' that does not declare it is not a wrapper (its needs() are checked).
  CHECK_FALSE(is_wrapper_policy(check(descriptor(ALCHAIN_KIND_POLICY, 1, base, 0)).info));
  // A 3.0 plugin could not declare it: a string 'base' still marks a wrapper, as before 3.1.
  CHECK(is_wrapper_policy(check(descriptor(ALCHAIN_KIND_POLICY, 0, base, 0)).info));

  const auto refused = [&](const alchain_plugin_descriptor& d, const std::string& why) {
    try {
      check(d);
      FAIL("accepted: " << why);
    } catch (const PluginError& e) {
      CHECK(e.kind() == PluginErrorKind::bad_descriptor);
      CHECK_MESSAGE(std::string(e.what()).find(why) != std::string::npos, e.what());
    }
  };
  // Bit 6 means nothing to a 3.0 descriptor: refused as a 3.0 host refused it.
  refused(descriptor(ALCHAIN_KIND_POLICY, 0, base, ALCHAIN_FLAG_WRAPPER), "declares unknown flags 0x40 (for ABI 3.0");
  // Not a policy, or no base to wrap: refused before any of its code runs.
  refused(descriptor(ALCHAIN_KIND_MODEL, 1, base, ALCHAIN_FLAG_WRAPPER), "only a policy with a string parameter 'base'");
  refused(descriptor(ALCHAIN_KIND_POLICY, 1, other, ALCHAIN_FLAG_WRAPPER), "only a policy with a string parameter 'base'");
}
