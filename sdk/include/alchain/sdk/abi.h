/* The C boundary between the alchain host and a plugin library: one entry symbol, one descriptor. */
#ifndef ALCHAIN_SDK_ABI_H
#define ALCHAIN_SDK_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The host loads a plugin iff plugin major == host major && plugin minor <= host minor.
 * Bump the minor when appending a field to a descriptor struct or adding a plugin kind; bump the
 * major for anything else (reordering, removing, changing a type, changing a C++ interface in
 * sdk/). docs/abi.md has the rule and what each version added. */
#define ALCHAIN_ABI_MAJOR 3
#define ALCHAIN_ABI_MINOR 2

/* The one symbol every plugin library exports (C linkage, default visibility). */
#define ALCHAIN_ENTRY_SYMBOL "alchain_plugin_entry"

typedef enum alchain_plugin_kind {
  ALCHAIN_KIND_DATASET = 1,
  ALCHAIN_KIND_MODEL = 2,
  ALCHAIN_KIND_POLICY = 3,
  ALCHAIN_KIND_ORACLE = 4 /* a pseudo-oracle (alchain::PseudoOracle, sdk/oracle.hpp) */
} alchain_plugin_kind;

typedef enum alchain_param_type {
  ALCHAIN_PARAM_BOOL = 1,
  ALCHAIN_PARAM_INT = 2,
  ALCHAIN_PARAM_FLOAT = 3,
  ALCHAIN_PARAM_STRING = 4,
  ALCHAIN_PARAM_INT_LIST = 5,
  ALCHAIN_PARAM_FLOAT_LIST = 6
} alchain_param_type;

/* One parameter a plugin accepts from the pipeline. The host checks names, types, bounds and
 * choices against these specs before it runs any plugin code, so `alchain validate` can report
 * a bad plugin parameter with its line and column. */
typedef struct alchain_param_spec {
  const char* name;          /* required: key in the pipeline's *_params table */
  uint32_t type;             /* required: an alchain_param_type */
  const char* default_value; /* TOML literal ("0.5", "\"mean\"", "[64, 32]"); NULL = required */
  double min;                /* inclusive bounds for numbers (each element of a list); NaN = none */
  double max;
  const char* choices;       /* strings: "a|b|c"; integers (since 2.0): "1|3"; NULL = any value */
  const char* doc;           /* one sentence for `alchain plugins --verbose` and the docs */
} alchain_param_spec;

/* Static facts the host checks when it validates a pipeline, before any plugin code runs. */
typedef enum alchain_plugin_flag {
  ALCHAIN_FLAG_MC_DROPOUT = 1u << 0,                /* model: implements Model::stochastic_passes_available
                                                       and Model::set_stochastic (e.g. MC dropout) */
  ALCHAIN_FLAG_NEEDS_MC_DROPOUT = 1u << 1,          /* policy or oracle: needs a model with ALCHAIN_FLAG_MC_DROPOUT */
  ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS = 1u << 2, /* policy: uses the chain's earlier generations;
                                                       oracle: needs companion models */
  ALCHAIN_FLAG_USES_LABELS = 1u << 3,               /* policy: reads true labels; reference runs only */
  ALCHAIN_FLAG_NEEDS_REFERENCE_MODEL = 1u << 4,     /* oracle: needs a reference model */
  ALCHAIN_FLAG_SEGMENTATION = 1u << 5,              /* model (since 3.0): made for segmentation datasets, per-pixel
                                                       logits [B, K, H, W]; without it, for classification */
  ALCHAIN_FLAG_WRAPPER = 1u << 6,                   /* policy (since 3.1): wraps the policy its string parameter
                                                       `base` names and passes on that base's needs; validation
                                                       checks the base against the same model */
  ALCHAIN_FLAG_BATCH_SCORES = 1u << 7               /* policy (since 3.2): a ScorePolicy as the SDK writes it: a
                                                       sample's score depends on its own batch's outputs only, and
                                                       the picks are top_k_by_score of the scores, so several ranks
                                                       may each score a part of the pool (docs/cluster.md, "Ranks") */
} alchain_plugin_flag;

/* Factory: builds the plugin's object. `params` is a `const alchain::Params*`, `context` a
 * `const alchain::CreateContext*`; the result is an `alchain::Dataset*`, `alchain::Model*`,
 * `alchain::Policy*` or `alchain::PseudoOracle*` by kind. These are C++ objects: the host calls `create` only after the
 * descriptor's fingerprint matched its own exactly (see docs/abi.md). On failure it returns NULL
 * and writes a NUL-terminated message into `error` (at most `error_size` bytes). */
typedef void* (*alchain_create_fn)(const void* params, const void* context, char* error,
                                   size_t error_size);
/* Destroys an object made by `create`, inside the library that made it. */
typedef void (*alchain_destroy_fn)(void* object);

/* Append-only. The first three fields are fixed forever so any host can read any plugin's
 * version before trusting the rest. */
typedef struct alchain_plugin_descriptor {
  uint32_t struct_size; /* sizeof(alchain_plugin_descriptor) as the plugin was built */
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t kind;           /* an alchain_plugin_kind */
  const char* name;        /* unique per kind: [a-z0-9_]+ */
  const char* version;     /* the plugin's own version, free form ("1.2.0") */
  const char* description; /* one sentence */
  const char* fingerprint; /* compiler, libstdc++ ABI and LibTorch version it was built with */
  const alchain_param_spec* params;
  uint32_t param_count;
  alchain_create_fn create;
  alchain_destroy_fn destroy;
  uint32_t flags; /* alchain_plugin_flag bits */
} alchain_plugin_descriptor;

typedef const alchain_plugin_descriptor* (*alchain_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* ALCHAIN_SDK_ABI_H */
