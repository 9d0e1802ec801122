// The run's device, checked against what this LibTorch build and machine have.
#include "alchain/run/device.hpp"

#include <stdexcept>

#include <torch/cuda.h>
#include <torch/version.h>

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

}  // namespace alchain
