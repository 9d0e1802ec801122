// The ranks of one trial as the launcher describes them in the environment.
#include "alchain/run/world.hpp"

#include <cstdlib>
#include <stdexcept>

namespace alchain {

namespace {

int integer(const EnvLookup& env, const std::string& name, int min, int max) {
  const std::string v = env(name).value_or("");
  std::size_t used = 0;
  long n = -1;
  try {
    n = std::stol(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (v.empty() || used != v.size() || n < min || n > max)
    throw std::invalid_argument(name + "='" + v + "': expected an integer from " + std::to_string(min) + " to " +
                                std::to_string(max));
  return static_cast<int>(n);
}

/// Reads one launcher's triple when its rank variable is set; false when it is not.
bool read_ranks(const EnvLookup& env, const char* rank, const char* size, const char* local, const char* launcher,
                World& w) {
  const bool has_rank = env(rank).has_value(), has_size = env(size).has_value();
  if (!has_rank && !has_size) return false;
  if (has_rank != has_size)
    throw std::invalid_argument(std::string(has_rank ? rank : size) + " is set but " + (has_rank ? size : rank) +
                                " is not: a launcher sets both");
  constexpr int kMaxRanks = 1 << 20;
  w.size = integer(env, size, 1, kMaxRanks);
  w.rank = integer(env, rank, 0, kMaxRanks);
  if (w.rank >= w.size)
    throw std::invalid_argument(std::string(rank) + "=" + std::to_string(w.rank) + " is not below " + size + "=" +
                                std::to_string(w.size));
  w.local_rank = env(local) ? integer(env, local, 0, kMaxRanks) : 0;
  w.launcher = launcher;
  return true;
}

void read_rendezvous(const EnvLookup& env, World& w) {
  if (auto f = env("ALCHAIN_DIST_STORE"); f && !f->empty()) {
    w.store_file = *f;
    return;
  }
  if (w.size == 1) return;
  for (const char* name : {"MASTER_ADDR", "MASTER_PORT"})
    if (!env(name) || env(name)->empty())
      throw std::invalid_argument(std::string(name) + " is not set, and " + std::to_string(w.size) + " ranks (" +
                                  w.launcher + ") need a rendezvous: torchrun sets MASTER_ADDR and MASTER_PORT; with " +
                                  "mpirun or srun export both (the address and a free port of rank 0's host), or " +
                                  "ALCHAIN_DIST_STORE=FILE on a filesystem every rank shares");
  w.master_addr = *env("MASTER_ADDR");
  w.master_port = integer(env, "MASTER_PORT", 1, 65535);
  w.agent_store = env("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
}

World read_world(const EnvLookup& env) {
  World w;
  // srun sets SLURM_PROCID in a batch script's own step too; only a step it launched has SLURM_STEP_ID.
  const bool srun = env("SLURM_STEP_ID").has_value() && env("SLURM_STEP_ID").value() != "batch";
  // torchrun names its runs; RANK and WORLD_SIZE set by hand (or another launcher) are read alike.
  const char* by_name = env("TORCHELASTIC_RUN_ID") ? "torchrun" : "RANK/WORLD_SIZE";
  if (!read_ranks(env, "RANK", "WORLD_SIZE", "LOCAL_RANK", by_name, w) &&
      !read_ranks(env, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "mpirun", w) &&
      srun)
    read_ranks(env, "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "srun", w);
  if (env("ALCHAIN_DIST_TIMEOUT")) w.timeout_s = integer(env, "ALCHAIN_DIST_TIMEOUT", 1, 7 * 24 * 3600);
  read_rendezvous(env, w);
  return w;
}

}  // namespace alchain
