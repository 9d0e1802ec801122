// The monotonic clock the host times its work with.
#pragma once

#include <chrono>

namespace alchain {

/// Seconds on a monotonic clock (differences only; not wall time).
inline double monotonic_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace alchain
