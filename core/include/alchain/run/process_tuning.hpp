/// Takes care of this machine kind's performance traps for alchain's users (docs/performance.md).
#pragma once

#include <string>

namespace alchain {

/// Call first thing in main(). If OPENBLAS_CORETYPE is unset, sets it for this CPU and re-executes
/// the program once (OpenBLAS reads it when it loads, before main); then keeps glibc from serving
/// large tensors with fresh mmaps. Set ALCHAIN_NO_TUNING=1 to skip all of it.
void tune_process(char** argv);

/// LibTorch's intra-op threads (0 = every core); OpenBLAS's own pool is set to one thread so the
/// two pools do not spin against each other. Returns the thread count in force.
int set_compute_threads(int threads);

/// One line describing what is in force (core type, threads, malloc), for logs and results.
std::string tuning_summary();

}  // namespace alchain
