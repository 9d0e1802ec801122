// The shipped plugins' declarations (kind, name, flags, parameter tables) as in-memory descriptors, for the pipeline fuzzer.
#pragma once

#include <cmath>

#include "../../plugins/models/deeplabv3plus/deeplabv3plus_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/sdk/abi.h"

namespace alchain::fuzz {

// The pipeline fuzzer links no plugin (plugins need LibTorch); these mirror what the shipped
// plugins declare in plugins/*/*/*_plugin.cpp (deeplabv3plus's table is its own header), which is
// all --syntax-only validation reads of them. The factories are never called: parsing creates nothing.
namespace shipped {
constexpr double kNone = NAN;
inline void* no_create(const void*, const void*, char* error, size_t size) {
  if (size) error[0] = '\0';
  return nullptr;
}
inline void no_destroy(void*) {}
inline const alchain_param_spec kFashionMnist[] = {
    {"root", ALCHAIN_PARAM_STRING, "\"/usr/share/datasets/fashion-mnist\"", kNone, kNone, nullptr, ""},
    {"pad", ALCHAIN_PARAM_INT, "2", 0, 64, nullptr, ""},
    {"train_limit", ALCHAIN_PARAM_INT, "0", 0, kNone, nullptr, ""},
    {"test_limit", ALCHAIN_PARAM_INT, "0", 0, kNone, nullptr, ""}};
inline const alchain_param_spec kFmnistScenes[] = {
    {"root", ALCHAIN_PARAM_STRING, "\"/usr/share/datasets/fashion-mnist\"", kNone, kNone, nullptr, ""},
    {"size", ALCHAIN_PARAM_INT, "64", 28, 512, nullptr, ""},
    {"objects", ALCHAIN_PARAM_INT, "3", 1, 16, nullptr, ""},
    {"train_scenes", ALCHAIN_PARAM_INT, "12000", 1, 10000000, nullptr, ""},
    {"test_scenes", ALCHAIN_PARAM_INT, "2000", 1, 10000000, nullptr, ""},
    {"threshold", ALCHAIN_PARAM_INT, "64", 1, 255, nullptr, ""},
    {"seed", ALCHAIN_PARAM_INT, "0", 0, 2147483647, nullptr, ""}};
inline const alchain_param_spec kCityscapes[] = {
    {"root", ALCHAIN_PARAM_STRING, nullptr, kNone, kNone, nullptr, ""},
    {"train_split", ALCHAIN_PARAM_STRING, "\"train\"", kNone, kNone, nullptr, ""},
    {"test_split", ALCHAIN_PARAM_STRING, "\"val\"", kNone, kNone, nullptr, ""},
    {"height", ALCHAIN_PARAM_INT, "512", 1, 4096, nullptr, ""},
    {"width", ALCHAIN_PARAM_INT, "1024", 1, 8192, nullptr, ""},
    {"crop", ALCHAIN_PARAM_INT_LIST, "[]", 0, 65535, nullptr, ""},
    {"mean", ALCHAIN_PARAM_FLOAT_LIST, "[0.485, 0.456, 0.406]", kNone, kNone, nullptr, ""},
    {"std", ALCHAIN_PARAM_FLOAT_LIST, "[0.229, 0.224, 0.225]", kNone, kNone, nullptr, ""}};
inline const alchain_param_spec kAde20k[] = {
    {"root", ALCHAIN_PARAM_STRING, nullptr, kNone, kNone, nullptr, ""},
    {"train_split", ALCHAIN_PARAM_STRING, "\"training\"", kNone, kNone, nullptr, ""},
    {"test_split", ALCHAIN_PARAM_STRING, "\"validation\"", kNone, kNone, nullptr, ""},
    {"height", ALCHAIN_PARAM_INT, "512", 1, 4096, nullptr, ""},
    {"width", ALCHAIN_PARAM_INT, "512", 1, 8192, nullptr, ""},
    {"mean", ALCHAIN_PARAM_FLOAT_LIST, "[0.485, 0.456, 0.406]", kNone, kNone, nullptr, ""},
    {"std", ALCHAIN_PARAM_FLOAT_LIST, "[0.229, 0.224, 0.225]", kNone, kNone, nullptr, ""}};
inline const alchain_param_spec kImageFolder[] = {
    {"root", ALCHAIN_PARAM_STRING, nullptr, kNone, kNone, nullptr, ""},
    {"train_split", ALCHAIN_PARAM_STRING, "\"train\"", kNone, kNone, nullptr, ""},
    {"test_split", ALCHAIN_PARAM_STRING, "\"test\"", kNone, kNone, nullptr, ""},
    {"height", ALCHAIN_PARAM_INT, "32", 1, 4096, nullptr, ""},
    {"width", ALCHAIN_PARAM_INT, "32", 1, 4096, nullptr, ""},
    {"channels", ALCHAIN_PARAM_INT, "1", 1, 3, "1|3", ""},
    {"mean", ALCHAIN_PARAM_FLOAT, "0.0", kNone, kNone, nullptr, ""},
    {"std", ALCHAIN_PARAM_FLOAT, "1.0", 1e-6, kNone, nullptr, ""},
    {"preload", ALCHAIN_PARAM_BOOL, "true", kNone, kNone, nullptr, ""}};
inline const alchain_param_spec kDropout[] = {{"dropout", ALCHAIN_PARAM_FLOAT, "0.0", 0.0, 0.95, nullptr, ""}};
inline const alchain_param_spec kMlp[] = {{"hidden", ALCHAIN_PARAM_INT_LIST, "[256, 128]", 1, 65536, nullptr, ""},
                                          {"dropout", ALCHAIN_PARAM_FLOAT, "0.0", 0.0, 0.95, nullptr, ""}};
inline const alchain_param_spec kResnet20[] = {{"width", ALCHAIN_PARAM_INT, "1", 1, 16, nullptr, ""}};
inline const alchain_param_spec kPasses[] = {{"passes", ALCHAIN_PARAM_INT, "20", 2, 1000, nullptr, ""}};
inline const alchain_param_spec kCommittee[] = {
    {"measure", ALCHAIN_PARAM_STRING, "\"vote_entropy\"", kNone, kNone, "vote_entropy|kl", ""}};
inline const alchain_param_spec kLlal[] = {{"taps", ALCHAIN_PARAM_STRING, "\"\"", kNone, kNone, nullptr, ""},
                                           {"head", ALCHAIN_PARAM_STRING, "\"auto\"", kNone, kNone, "auto|dense|conv", ""},
                                           {"hidden", ALCHAIN_PARAM_INT, "128", 1, 65536, nullptr, ""},
                                           {"margin", ALCHAIN_PARAM_FLOAT, "1.0", 0.0, 1e6, nullptr, ""},
                                           {"weight", ALCHAIN_PARAM_FLOAT, "1.0", 0.0, 1e6, nullptr, ""},
                                           {"stop_gradient_fraction", ALCHAIN_PARAM_FLOAT, "0.6", 0.0, 1.0, nullptr, ""}};
inline const alchain_param_spec kPower[] = {{"base", ALCHAIN_PARAM_STRING, "\"entropy\"", kNone, kNone, nullptr, ""},
                                            {"beta", ALCHAIN_PARAM_FLOAT, "1.0", 0.0, 1e6, nullptr, ""}};
inline const alchain_param_spec kAgreement[] = {{"soft", ALCHAIN_PARAM_BOOL, "false", kNone, kNone, nullptr, ""},
                                                {"threshold", ALCHAIN_PARAM_FLOAT, "0.5", 0.0, 1.0, nullptr, ""}};
inline const alchain_param_spec kConfidence[] = {{"temperature", ALCHAIN_PARAM_FLOAT, "1.0", 1e-6, 1e6, nullptr, ""},
                                                 {"calibrate", ALCHAIN_PARAM_BOOL, "true", kNone, kNone, nullptr, ""},
                                                 {"threshold", ALCHAIN_PARAM_FLOAT, "0.5", 0.0, 1.0, nullptr, ""}};
inline const alchain_param_spec kMcDropoutOracle[] = {{"passes", ALCHAIN_PARAM_INT, "20", 2, 1000, nullptr, ""},
                                                      {"threshold", ALCHAIN_PARAM_FLOAT, "0.5", 0.0, 1.0, nullptr, ""}};
}  // namespace shipped

/// A registry holding the shipped plugins' declarations, built once.
inline const PluginRegistry& shipped_plugins() {
  static PluginRegistry* registry = [] {
    using namespace shipped;
    auto* r = new PluginRegistry();
    auto add = [&](alchain_plugin_kind kind, const char* name, const alchain_param_spec* params, uint32_t count,
                   uint32_t flags) {
      // The registry copies the descriptor; its strings are literals or the static host fingerprint.
      const alchain_plugin_descriptor d{sizeof(alchain_plugin_descriptor), ALCHAIN_ABI_MAJOR, ALCHAIN_ABI_MINOR,
                                        static_cast<uint32_t>(kind), name, "1.0.0", "", host_fingerprint().c_str(),
                                        params, count, no_create, no_destroy, flags};
      r->add(&d, std::string("shipped:") + name);
    };
#define ALCHAIN_FUZZ_N(a) static_cast<uint32_t>(sizeof(a) / sizeof((a)[0]))
    add(ALCHAIN_KIND_DATASET, "fashion_mnist", kFashionMnist, ALCHAIN_FUZZ_N(kFashionMnist), 0);
    add(ALCHAIN_KIND_DATASET, "fmnist_scenes", kFmnistScenes, ALCHAIN_FUZZ_N(kFmnistScenes), 0);
    add(ALCHAIN_KIND_DATASET, "cityscapes", kCityscapes, ALCHAIN_FUZZ_N(kCityscapes), 0);
    add(ALCHAIN_KIND_DATASET, "ade20k", kAde20k, ALCHAIN_FUZZ_N(kAde20k), 0);
    add(ALCHAIN_KIND_DATASET, "image_folder", kImageFolder, ALCHAIN_FUZZ_N(kImageFolder), 0);
    add(ALCHAIN_KIND_MODEL, "mlp", kMlp, ALCHAIN_FUZZ_N(kMlp), ALCHAIN_FLAG_MC_DROPOUT);
    add(ALCHAIN_KIND_MODEL, "lenet5", kDropout, ALCHAIN_FUZZ_N(kDropout), ALCHAIN_FLAG_MC_DROPOUT);
    add(ALCHAIN_KIND_MODEL, "resnet20", kResnet20, ALCHAIN_FUZZ_N(kResnet20), 0);
    for (const char* m : {"resnet18", "resnet34", "resnet50"}) add(ALCHAIN_KIND_MODEL, m, nullptr, 0, 0);
    for (const char* m : {"mobilenet_v3_small", "mobilenet_v3_large"})
      add(ALCHAIN_KIND_MODEL, m, kDropout, ALCHAIN_FUZZ_N(kDropout), ALCHAIN_FLAG_MC_DROPOUT);
    add(ALCHAIN_KIND_MODEL, "deeplabv3plus", plugins::kDeepLabParams, ALCHAIN_FUZZ_N(plugins::kDeepLabParams),
        ALCHAIN_FLAG_MC_DROPOUT | ALCHAIN_FLAG_SEGMENTATION);
    for (const char* p : {"random", "coreset", "badge"}) add(ALCHAIN_KIND_POLICY, p, nullptr, 0, 0);
    for (const char* p : {"entropy", "margin", "least_confidence"})
      add(ALCHAIN_KIND_POLICY, p, nullptr, 0, ALCHAIN_FLAG_BATCH_SCORES);
    for (const char* p : {"bald", "mc_entropy", "variation_ratios"})
      add(ALCHAIN_KIND_POLICY, p, kPasses, ALCHAIN_FUZZ_N(kPasses), ALCHAIN_FLAG_NEEDS_MC_DROPOUT | ALCHAIN_FLAG_BATCH_SCORES);
    add(ALCHAIN_KIND_POLICY, "committee", kCommittee, ALCHAIN_FUZZ_N(kCommittee),
        ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS | ALCHAIN_FLAG_BATCH_SCORES);
    add(ALCHAIN_KIND_POLICY, "llal", kLlal, ALCHAIN_FUZZ_N(kLlal), ALCHAIN_FLAG_BATCH_SCORES);
    add(ALCHAIN_KIND_POLICY, "power", kPower, ALCHAIN_FUZZ_N(kPower), ALCHAIN_FLAG_WRAPPER);
    add(ALCHAIN_KIND_POLICY, "true_loss", nullptr, 0, ALCHAIN_FLAG_USES_LABELS | ALCHAIN_FLAG_BATCH_SCORES);
    add(ALCHAIN_KIND_ORACLE, "confidence", kConfidence, ALCHAIN_FUZZ_N(kConfidence), 0);
    add(ALCHAIN_KIND_ORACLE, "agreement", kAgreement, ALCHAIN_FUZZ_N(kAgreement), ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS);
    add(ALCHAIN_KIND_ORACLE, "mc_dropout", kMcDropoutOracle, ALCHAIN_FUZZ_N(kMcDropoutOracle), ALCHAIN_FLAG_NEEDS_MC_DROPOUT);
    add(ALCHAIN_KIND_ORACLE, "reference_model", nullptr, 0, ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL);
#undef ALCHAIN_FUZZ_N
    return r;
  }();
  return *registry;
}

}  // namespace alchain::fuzz
