// libFuzzer target: the plugin descriptor checks on random descriptor contents, held to their read bounds.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "alchain/plugin/descriptor_check.hpp"

namespace {

const char kHostFingerprint[] = "compiler=fuzz;torch=0;alchain_abi=1";

void* dummy_create(const void*, const void*, char*, size_t) { return nullptr; }
void dummy_destroy(void*) {}

/// Owns every buffer a descriptor points into. Each string sits in a heap block of exactly its
/// field's bound, NUL-terminated or not: AddressSanitizer catches a check that reads past it.
struct Arena {
  std::vector<std::unique_ptr<char[]>> strings;
  std::unique_ptr<alchain_param_spec[]> params;
  std::unique_ptr<std::uint8_t[]> descriptor;

  const char* string(FuzzedDataProvider& in, std::size_t bound, const char* well_formed) {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: return nullptr;
      case 1: return well_formed;
      default: break;
    }
    const std::string content = in.ConsumeRandomLengthString(bound);
    const char pad = in.ConsumeBool() ? '\0' : 'a';
    auto block = std::make_unique<char[]>(bound);
    std::memset(block.get(), pad, bound);
    std::memcpy(block.get(), content.data(), std::min(content.size(), bound));
    strings.push_back(std::move(block));
    return strings.back().get();
  }
};

double number(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: return NAN;
    case 1: return in.ConsumeIntegralInRange<int>(-4, 100);
    case 2: return INFINITY;
    default: return in.ConsumeFloatingPoint<double>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace alchain;
  FuzzedDataProvider in(data, size);
  Arena arena;
  alchain_plugin_descriptor d{};
  std::uint32_t struct_size = sizeof d;
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: struct_size = offsetof(alchain_plugin_descriptor, flags); break;
    case 1: struct_size = in.ConsumeIntegralInRange<std::uint32_t>(0, sizeof d + 32); break;
    default: break;
  }
  d.struct_size = struct_size;
  d.abi_major = in.ConsumeBool() ? ALCHAIN_ABI_MAJOR : in.ConsumeIntegral<std::uint16_t>();
  d.abi_minor = in.ConsumeIntegralInRange<std::uint16_t>(0, ALCHAIN_ABI_MINOR + 1);
  d.kind = in.ConsumeIntegralInRange<std::uint32_t>(0, 5);
  d.name = arena.string(in, kMaxPluginNameBytes, "fuzz_plugin");
  d.version = arena.string(in, kMaxDescriptorStringBytes, "1.0.0");
  d.description = arena.string(in, kMaxDescriptorStringBytes, "A plugin.");
  d.fingerprint = arena.string(in, kMaxDescriptorStringBytes, kHostFingerprint);
  d.create = in.ConsumeBool() ? dummy_create : nullptr;
  d.destroy = in.ConsumeBool() ? dummy_destroy : nullptr;
  d.flags = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint32_t>(0, 31) : in.ConsumeIntegral<std::uint32_t>();
  d.param_count = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint32_t>(0, 6) : in.ConsumeIntegral<std::uint32_t>();
  // A table of exactly param_count entries; beyond the allowed count, one entry the check must not read.
  const std::uint32_t entries = d.param_count <= kMaxPluginParams ? d.param_count : 1;
  if (entries > 0 && in.ConsumeIntegralInRange<int>(0, 7) != 0) {
    arena.params = std::make_unique<alchain_param_spec[]>(entries);
    static const char* const kDefaults[] = {"0", "1.5", "true", "\"mean\"", "[64, 32]", "[0.5]", "\"a\""};
    for (std::uint32_t i = 0; i < entries; ++i) {
      alchain_param_spec& s = arena.params[i];
      s.name = arena.string(in, kMaxPluginNameBytes, "hidden");
      s.type = in.ConsumeIntegralInRange<std::uint32_t>(0, 7);
      s.default_value = arena.string(in, kMaxDescriptorStringBytes, kDefaults[in.ConsumeIntegralInRange<int>(0, 6)]);
      s.min = number(in);
      s.max = number(in);
      s.choices = arena.string(in, kMaxDescriptorStringBytes, "a|b|mean");
      s.doc = arena.string(in, kMaxDescriptorStringBytes, "A parameter.");
    }
    d.params = arena.params.get();
  }
  // The descriptor as the plugin's memory holds it: struct_size bytes, the rest past the struct fuzz bytes.
  const std::size_t block = std::max<std::size_t>(struct_size, sizeof d.struct_size);
  arena.descriptor = std::make_unique<std::uint8_t[]>(block);
  const std::vector<std::uint8_t> tail = in.ConsumeRemainingBytes<std::uint8_t>();
  for (std::size_t i = 0; i < block; ++i) arena.descriptor[i] = tail.empty() ? 0 : tail[i % tail.size()];
  std::memcpy(arena.descriptor.get(), &d, std::min<std::size_t>(block, sizeof d));
  const auto* raw = reinterpret_cast<const alchain_plugin_descriptor*>(arena.descriptor.get());
  try {
    const CheckedDescriptor c = check_descriptor(raw, "fuzz.so", kHostFingerprint);
    // What passed must be what the host relies on afterwards.
    if (c.info.name.empty() || c.info.name.size() >= kMaxPluginNameBytes || c.info.fingerprint != kHostFingerprint ||
        c.descriptor.create == nullptr || c.descriptor.destroy == nullptr ||
        c.descriptor.struct_size != sizeof(alchain_plugin_descriptor) || c.info.params.size() != d.param_count ||
        c.info.abi_major != ALCHAIN_ABI_MAJOR || c.info.abi_minor > ALCHAIN_ABI_MINOR)
      __builtin_trap();
  } catch (const PluginError& e) {
    if (std::string(e.what()).rfind("fuzz.so: ", 0) != 0) __builtin_trap();  // every refusal names the file
  }
  return 0;
}
