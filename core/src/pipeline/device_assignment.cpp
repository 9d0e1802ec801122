// A process's device from run.device, run.devices, its worker index and the launcher's environment.
#include "alchain/pipeline/device_assignment.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace alchain {

namespace {

bool all_digits(const std::string& s, std::size_t from = 0) {
  return s.size() > from && s.find_first_not_of("0123456789", from) == std::string::npos;
}

std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

/// `value` of variable `name` as an integer >= 0; throws naming both otherwise.
int rank_value(const char* name, const std::string& value) {
  if (!all_digits(value) || value.size() > 6)  // beyond any node's process count
    throw std::invalid_argument(std::string(name) + "='" + value +
                                "': expected this process's index on its node, an integer >= 0");
  return std::stoi(value);
}

}  // namespace

bool is_device_name(const std::string& name) {
  return name == "cpu" || name == "cuda" || (name.rfind("cuda:", 0) == 0 && all_digits(name, 5));
}

DeviceEnvironment read_device_environment() {
  return {env_value("LOCAL_RANK"), env_value("SLURM_LOCALID"), env_value("CUDA_VISIBLE_DEVICES")};
}

int local_rank(const DeviceEnvironment& env) {
  if (env.local_rank) return rank_value("LOCAL_RANK", *env.local_rank);
  if (env.slurm_localid) return rank_value("SLURM_LOCALID", *env.slurm_localid);
  return 0;
}

int visible_cuda_devices(const DeviceEnvironment& env, int runtime_count) {
  if (!env.cuda_visible_devices) return std::max(0, runtime_count);
  const std::string& list = *env.cuda_visible_devices;
  int listed = 0;
  for (std::size_t at = 0; at < list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    const std::string entry = list.substr(at, comma - at);
    if (!all_digits(entry) && entry.rfind("GPU-", 0) != 0 && entry.rfind("MIG-", 0) != 0) break;
    ++listed;
    at = comma + 1;
  }
  return std::max(0, std::min(runtime_count, listed));
}

std::string assign_device(const std::string& device, const std::vector<std::string>& devices, int worker,
                          const DeviceEnvironment& env, int visible) {
  if (devices.empty() && (device != "cuda" || visible <= 0)) return device;
  const int index = worker >= 0 ? worker : local_rank(env);
  if (!devices.empty()) return devices[static_cast<std::size_t>(index) % devices.size()];
  return "cuda:" + std::to_string(index % visible);
}

}  // namespace alchain
