/// The device a run computes on: `[run] device` ("cpu", "cuda", "cuda:<index>"). Models, heads
/// and batches go there for training, evaluation and scoring; what policies, metrics and result
/// files receive comes back to the CPU.
#pragma once

#include <string>

#include <c10/core/Device.h>

#include "alchain/pipeline/diagnostics.hpp"
#include "alchain/pipeline/pipeline.hpp"

namespace alchain {

/// Why `name` cannot be used by this build on this machine ("" if it can): an unknown name, or
/// CUDA asked of a LibTorch without CUDA or a machine without a GPU.
std::string device_error(const std::string& name);

/// Makes `name` the process's run device; throws with device_error()'s text if it cannot be.
void set_run_device(const std::string& name);

/// The run device ("cpu" until set_run_device()).
c10::Device run_device();

/// The device this process computes on: assign_device() (pipeline/device_assignment.hpp) over
/// run.device and run.devices, with this process's environment and visible CUDA devices. `worker`
/// is a `--jobs` worker's index, -1 for a process of its own. Throws std::runtime_error naming
/// the key (and the variable) when the environment gives no local rank.
std::string assigned_device(const RunOptionsSpec& run, int worker);

/// Makes assigned_device() the run device and returns it; throws with device_error()'s text,
/// naming run.device or run.devices, if this build or machine cannot use it.
std::string set_assigned_device(const RunOptionsSpec& run, int worker);

/// device_error() of run.device, or of run.devices' first entry that has one, into `diags` at the
/// key's position: what preflight and `alchain validate` refuse.
void check_run_devices(const RunOptionsSpec& run, Diagnostics& diags);

}  // namespace alchain
