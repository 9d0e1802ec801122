/// Where this process sits among the ranks of one trial, read from the launcher's environment:
/// torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), Open MPI's mpirun
/// (OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK) or Slurm's srun (SLURM_PROCID, SLURM_NTASKS,
/// SLURM_LOCALID). Torch-free; run/communicator.hpp connects the ranks (docs/cluster.md, "Ranks").
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace alchain {

struct World {
  int rank = 0, size = 1, local_rank = 0;
  /// "torchrun", "RANK/WORLD_SIZE" (those variables without torchrun), "mpirun", "srun", or
  /// "none" (one process)
  std::string launcher = "none";
  /// The rendezvous: a FileStore at `store_file` (ALCHAIN_DIST_STORE: tests, or a shared
  /// filesystem), else a TCPStore at master_addr:master_port, served by rank 0 unless the launcher's
  /// agent serves it (torchrun's TORCHELASTIC_USE_AGENT_STORE=True).
  std::string store_file;
  std::string master_addr;
  int master_port = 0;
  bool agent_store = false;
  double timeout_s = 300;  ///< ALCHAIN_DIST_TIMEOUT: how long a collective waits for the other ranks
};

/// The value of an environment variable, nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// getenv.
EnvLookup process_environment();

/// The world the launcher describes (torchrun's variables first, then Open MPI's, then srun's;
/// none of them: one process). Throws std::invalid_argument naming the variable for a value that
/// is not a number, a rank outside [0, size), half of a pair (RANK without WORLD_SIZE), or a
/// rendezvous that is missing for more than one rank (MASTER_ADDR/MASTER_PORT, or ALCHAIN_DIST_STORE).
World read_world(const EnvLookup& env);

}  // namespace alchain
