/// Writes a plugin's entry symbol and descriptor: include this in exactly one file per plugin.
///
/// Usage (the class needs a constructor `(const alchain::Params&, const alchain::CreateContext&)`):
///
///     static const alchain_param_spec kParams[] = {
///         {"temperature", ALCHAIN_PARAM_FLOAT, "1.0", 1e-6, ALCHAIN_UNBOUNDED, nullptr, "Softmax temperature."},
///     };
///     ALCHAIN_POLICY_PLUGIN(EnergyPolicy, "energy", "1.0.0", "Free energy of the logits.", kParams)
///
/// Use ALCHAIN_NO_PARAMS for a plugin without parameters.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>

#include <torch/version.h>

#include "alchain/sdk/abi.h"
#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/sdk/oracle.hpp"
#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"

#define ALCHAIN_STR_(x) #x
#define ALCHAIN_STR(x) ALCHAIN_STR_(x)

/// The build fingerprint: what must be identical in host and plugin before C++ objects (and
/// LibTorch modules and tensors) may cross the boundary.
#ifdef ALCHAIN_FINGERPRINT_OVERRIDE  // for test fixtures that pretend to come from elsewhere
#define ALCHAIN_BUILD_FINGERPRINT ALCHAIN_FINGERPRINT_OVERRIDE
#else
#define ALCHAIN_BUILD_FINGERPRINT                                                  \
  "compiler=" __VERSION__ ";libstdcxx_cxx11_abi=" ALCHAIN_STR(_GLIBCXX_USE_CXX11_ABI) \
  ";torch=" TORCH_VERSION ";alchain_abi=" ALCHAIN_STR(ALCHAIN_ABI_MAJOR)
#endif

#define ALCHAIN_UNBOUNDED NAN
#define ALCHAIN_NO_PARAMS nullptr

#if defined(__GNUC__)
#define ALCHAIN_EXPORT extern "C" __attribute__((visibility("default")))
#else
#define ALCHAIN_EXPORT extern "C"
#endif

namespace alchain::detail {

template <std::size_t N>
constexpr std::uint32_t param_count(const alchain_param_spec (&)[N]) { return static_cast<std::uint32_t>(N); }
constexpr std::uint32_t param_count(std::nullptr_t) { return 0; }
template <std::size_t N>
constexpr const alchain_param_spec* param_data(const alchain_param_spec (&a)[N]) { return a; }
constexpr const alchain_param_spec* param_data(std::nullptr_t) { return nullptr; }

/// Runs the constructor; no exception leaves the library: its message goes to `error`.
template <class Base, class T>
void* create_guarded(const void* params, const void* context, char* error, std::size_t size) {
  try {
    Base* object = new T(*static_cast<const Params*>(params), *static_cast<const CreateContext*>(context));
    return object;
  } catch (const std::exception& e) {
    std::snprintf(error, size, "%s", e.what());
  } catch (...) {
    std::snprintf(error, size, "unknown exception");
  }
  return nullptr;
}

template <class Base>
void destroy(void* object) { delete static_cast<Base*>(object); }

}  // namespace alchain::detail

#define ALCHAIN_DEFINE_PLUGIN_(KIND, BASE, CLASS, NAME, VERSION, DESCRIPTION, PARAMS, FLAGS)     \
  ALCHAIN_EXPORT const alchain_plugin_descriptor* alchain_plugin_entry(void) {                  \
    static const alchain_plugin_descriptor descriptor = {                                       \
        sizeof(alchain_plugin_descriptor), ALCHAIN_ABI_MAJOR, ALCHAIN_ABI_MINOR, KIND, NAME,    \
        VERSION, DESCRIPTION, ALCHAIN_BUILD_FINGERPRINT,                                        \
        ::alchain::detail::param_data(PARAMS), ::alchain::detail::param_count(PARAMS),          \
        &::alchain::detail::create_guarded<BASE, CLASS>, &::alchain::detail::destroy<BASE>,     \
        static_cast<std::uint32_t>(FLAGS)};                                                     \
    return &descriptor;                                                                         \
  }

#define ALCHAIN_POLICY_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, PARAMS) \
  ALCHAIN_DEFINE_PLUGIN_(ALCHAIN_KIND_POLICY, ::alchain::Policy, CLASS, NAME, VERSION, DESCRIPTION, PARAMS, 0)
#define ALCHAIN_MODEL_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, PARAMS) \
  ALCHAIN_DEFINE_PLUGIN_(ALCHAIN_KIND_MODEL, ::alchain::Model, CLASS, NAME, VERSION, DESCRIPTION, PARAMS, 0)
#define ALCHAIN_DATASET_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, PARAMS) \
  ALCHAIN_DEFINE_PLUGIN_(ALCHAIN_KIND_DATASET, ::alchain::Dataset, CLASS, NAME, VERSION, DESCRIPTION, PARAMS, 0)
/// The same, with alchain_plugin_flag bits (e.g. ALCHAIN_FLAG_NEEDS_MC_DROPOUT).
#define ALCHAIN_POLICY_PLUGIN_FLAGS(CLASS, NAME, VERSION, DESCRIPTION, PARAMS, FLAGS) \
  ALCHAIN_DEFINE_PLUGIN_(ALCHAIN_KIND_POLICY, ::alchain::Policy, CLASS, NAME, VERSION, DESCRIPTION, PARAMS, FLAGS)
#define ALCHAIN_MODEL_PLUGIN_FLAGS(CLASS, NAME, VERSION, DESCRIPTION, PARAMS, FLAGS) \
  ALCHAIN_DEFINE_PLUGIN_(ALCHAIN_KIND_MODEL, ::alchain::Model, CLASS, NAME, VERSION, DESCRIPTION, PARAMS, FLAGS)
/// A pseudo-oracle (since ABI 1.1); FLAGS declare what its needs() ask for
/// (ALCHAIN_FLAG_NEEDS_MC_DROPOUT, ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS, ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL).
#define ALCHAIN_ORACLE_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, PARAMS, FLAGS) \
  ALCHAIN_DEFINE_PLUGIN_(ALCHAIN_KIND_ORACLE, ::alchain::PseudoOracle, CLASS, NAME, VERSION, DESCRIPTION, PARAMS, FLAGS)
