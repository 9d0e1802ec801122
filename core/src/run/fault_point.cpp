// ALCHAIN_FAULT: a signal to this process at a named point, for tests that must be deterministic.
#include "alchain/run/fault_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace alchain {

void fault_point(const char* point) {
  static const char* spec = std::getenv("ALCHAIN_FAULT");
  static std::atomic<int> hits{0};
  if (!spec) return;
  const char* colon = std::strchr(spec, ':');
  const std::size_t len = colon ? static_cast<std::size_t>(colon - spec) : std::strlen(spec);
  if (len != std::strlen(point) || std::strncmp(spec, point, len) != 0) return;
  if (hits.fetch_add(1) + 1 != (colon ? std::atoi(colon + 1) : 1)) return;
  const char* action = colon ? std::strchr(colon + 1, ':') : nullptr;
  const std::string_view what = action ? action + 1 : "kill";
  if (what == "stop") ::kill(::getpid(), SIGSTOP);
  else if (what == "int") ::raise(SIGINT);
  else if (what == "term") ::raise(SIGTERM);
  else ::kill(::getpid(), SIGKILL);
}

}  // namespace alchain
