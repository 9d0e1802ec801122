// Environment fixes: OpenBLAS core type (needs a re-exec), thread pools, malloc thresholds, OpenCV's image size limit.
#include "alchain/run/process_tuning.hpp"

#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include <ATen/Parallel.h>

namespace alchain {

namespace {
const char* core_type_for_cpu() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "SKYLAKEX";
  if (__builtin_cpu_supports("avx2")) return "HASWELL";
  return nullptr;
}
bool disabled() {
  const char* v = std::getenv("ALCHAIN_NO_TUNING");
  return v && *v && std::string(v) != "0";
}
}  // namespace

void tune_process(char** argv) {
  // Not tuning but a limit: OpenCV reads it when libopencv_imgcodecs loads (with the image_folder
  // plugin, after this) and then refuses an image whose header announces more pixels before it
  // decodes anything; image_folder's own check (kMaxImagePixels, the same 2^26) comes only after
  // the decode, which for 33 bytes announcing 16134 x 9244 takes seconds. A user's value wins.
  setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "67108864", 0);
  if (disabled()) return;
  if (!std::getenv("OPENBLAS_CORETYPE") && !std::getenv("ALCHAIN_TUNED")) {
    if (const char* core = core_type_for_cpu()) {
      setenv("OPENBLAS_CORETYPE", core, 1);
      setenv("ALCHAIN_TUNED", "1", 1);
      execv("/proc/self/exe", argv);
      // execv only returns on failure: go on untuned rather than fail.
    }
  }
  // Tensors above glibc's mmap threshold would be fresh mmaps whose pages fault in on every batch.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

int set_compute_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(1);
  return at::get_num_threads();
}

std::string tuning_summary() {
  using CoreName = char* (*)();
  std::string core = "?";
  if (auto f = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) core = f();
  return "threads=" + std::to_string(at::get_num_threads()) + " openblas_core=" + core +
         (disabled() ? " tuning=off" : " malloc=no-mmap");
}

}  // namespace alchain
