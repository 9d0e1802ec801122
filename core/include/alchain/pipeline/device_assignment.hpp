/// Which device a process computes on when a run spreads over several GPUs: the pipeline's
/// `run.device` and `run.devices`, a `--jobs` worker's index and the launcher's environment decide
/// it (docs/cluster.md, "GPUs"). Torch-free: the caller reads the environment and counts the CUDA
/// devices; whether this build and machine have the device is run/device.hpp's check.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace alchain {

/// True for "cpu", "cuda" and "cuda:<index>": the syntax of `run.device` and `run.devices`.
bool is_device_name(const std::string& name);

/// The launcher's variables a process's device depends on (nullopt = unset).
struct DeviceEnvironment {
  std::optional<std::string> local_rank;            ///< LOCAL_RANK: torchrun's (and accelerate's) process on this node
  std::optional<std::string> slurm_localid;         ///< SLURM_LOCALID: srun's task index on this node
  std::optional<std::string> cuda_visible_devices;  ///< CUDA_VISIBLE_DEVICES: the GPUs the process may see
};

/// This process's DeviceEnvironment, from getenv.
DeviceEnvironment read_device_environment();

/// The process's index on its node: LOCAL_RANK, else SLURM_LOCALID, else 0. A set variable must be
/// an integer >= 0; otherwise throws std::invalid_argument naming the variable and its value.
int local_rank(const DeviceEnvironment& env);

/// The CUDA devices this process sees, numbered from 0: `runtime_count` (the CUDA runtime's count,
/// which honours CUDA_VISIBLE_DEVICES already), never more than CUDA_VISIBLE_DEVICES lists. As
/// CUDA reads it, the list is comma-separated indices or GPU-/MIG- identifiers and ends at the
/// first entry that is neither: "2,3" is 2 devices (cuda:0 and cuda:1 here), "" and "-1" none.
int visible_cuda_devices(const DeviceEnvironment& env, int runtime_count);

/// The device string a process computes on. `device` is run.device, `devices` run.devices (empty
/// when not given), `worker` a `--jobs` worker's index (0, 1, ...) or -1 for a process of its own
/// (`run`, `run --trial`), `visible` what visible_cuda_devices() gives. The rules:
/// - `devices` given: worker i gets devices[i % n]; a process of its own devices[local_rank % n];
/// - "cpu" stays "cpu", and an explicit "cuda:K" stays "cuda:K" for every process;
/// - "cuda": worker i gets cuda:(i % visible), a process of its own cuda:(local_rank % visible);
///   with no device visible it stays "cuda", for the device check to refuse.
/// Only a choice that needs the local rank reads the environment (local_rank() may throw).
std::string assign_device(const std::string& device, const std::vector<std::string>& devices, int worker,
                          const DeviceEnvironment& env, int visible);

}  // namespace alchain
