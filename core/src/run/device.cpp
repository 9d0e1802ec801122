// The run's device, checked against what this LibTorch build and machine have.
#include "alchain/run/device.hpp"

#include <stdexcept>

#include <torch/cuda.h>
#include <torch/version.h>

#include "alchain/pipeline/device_assignment.hpp"

namespace alchain {

namespace {
c10::Device g_device(c10::kCPU);
}

std::string device_error(const std::string& name) {
  c10::Device d(c10::kCPU);
  try {
    d = c10::Device(name);
  } catch (const std::exception&) {
    return "'" + name + "' is not a device: cpu, cuda or cuda:<index>";
  }
  if (d.is_cpu()) return "";
  if (!d.is_cuda()) return "'" + name + "': alchain runs on cpu or cuda";
  if (!torch::cuda::is_available())
    return "'" + name + "': this alchain's LibTorch (" TORCH_VERSION ") has no CUDA, or this machine no GPU it can use; "
           "use device = \"cpu\", or build alchain with a CUDA LibTorch (cmake -DTorch_DIR=..., README.md, \"Building by hand\")";
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (d.has_index() && d.index() >= count)
    return "'" + name + "': this machine has " + std::to_string(count) + " CUDA device(s), cuda:0 to cuda:" +
           std::to_string(count - 1);
  return "";
}

void set_run_device(const std::string& name) {
  const std::string err = device_error(name);
  if (!err.empty()) throw std::runtime_error("run.device: " + err);
  g_device = c10::Device(name);
}

c10::Device run_device() { return g_device; }

namespace {
std::string device_key(const RunOptionsSpec& run) { return run.devices.empty() ? "run.device" : "run.devices"; }
}  // namespace

std::string assigned_device(const RunOptionsSpec& run, int worker) {
  const DeviceEnvironment env = read_device_environment();
  // Counting CUDA devices needs a CUDA LibTorch; without one nothing is visible.
  const int runtime = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  try {
    return assign_device(run.device, run.devices, worker, env, visible_cuda_devices(env, runtime));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(device_key(run) + ": " + e.what());
  }
}

std::string set_assigned_device(const RunOptionsSpec& run, int worker) {
  const std::string name = assigned_device(run, worker);
  const std::string err = device_error(name);
  if (!err.empty()) throw std::runtime_error(device_key(run) + ": " + err);
  g_device = c10::Device(name);
  return name;
}

void check_run_devices(const RunOptionsSpec& run, Diagnostics& diags) {
  if (run.devices.empty()) {
    if (const std::string err = device_error(run.device); !err.empty()) diags.error(run.device_pos, "run.device: " + err);
    return;
  }
  for (const std::string& d : run.devices)
    if (const std::string err = device_error(d); !err.empty()) {
      diags.error(run.devices_pos, "run.devices: " + err);
      return;
    }
}

}  // namespace alchain
