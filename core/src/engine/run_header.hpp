// The root attributes of a result file, as run and merge both write them.
#pragma once

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/results/result_store.hpp"

namespace alchain {

struct DatasetInfo;

/// The header of a result file of `p` on a dataset described by `info`; `threads` and `jobs` are
/// the invocation's, `trial_threads` the compute threads each trial runs with.
RunHeader make_run_header(const Pipeline& p, const DatasetInfo& info, int threads, int trial_threads, int jobs);

}  // namespace alchain
