/// The device a run computes on: `[run] device` ("cpu", "cuda", "cuda:<index>"). Models, heads
/// and batches go there for training, evaluation and scoring; what policies, metrics and result
/// files receive comes back to the CPU.
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace alchain {

/// Why `name` cannot be used by this build on this machine ("" if it can): an unknown name, or
/// CUDA asked of a LibTorch without CUDA or a machine without a GPU.
std::string device_error(const std::string& name);

/// Makes `name` the process's run device; throws with device_error()'s text if it cannot be.
void set_run_device(const std::string& name);

/// The run device ("cpu" until set_run_device()).
c10::Device run_device();

}  // namespace alchain
