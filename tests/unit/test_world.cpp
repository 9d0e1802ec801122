// The ranks of a trial as launchers describe them (run/world.hpp): torchrun, Open MPI, srun.
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "alchain/run/world.hpp"

namespace {

alchain::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::string error_of(const std::map<std::string, std::string>& vars) {
  try {
    alchain::read_world(env_of(vars));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("read_world: no launcher is one process; torchrun, mpirun and srun give rank, size and local rank") {
  alchain::World w = alchain::read_world(env_of({}));
  CHECK(w.size == 1);
  CHECK(w.rank == 0);
  CHECK(w.launcher == "none");
  w = alchain::read_world(env_of({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.0.0.1"},
                                  {"MASTER_PORT", "29500"}, {"TORCHELASTIC_RUN_ID", "x"},
                                  {"TORCHELASTIC_USE_AGENT_STORE", "True"}}));
  CHECK(w.launcher == "torchrun");
  CHECK((w.rank == 3 && w.size == 4 && w.local_rank == 1));
  CHECK((w.master_addr == "10.0.0.1" && w.master_port == 29500 && w.agent_store));
  w = alchain::read_world(env_of({{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "2"},
                                  {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}, {"ALCHAIN_DIST_STORE", "/shared/s"}}));
  CHECK((w.launcher == "mpirun" && w.size == 2 && w.store_file == "/shared/s"));
  // srun's variables count only in a step srun launched: a batch script's own step has them too.
  const std::map<std::string, std::string> slurm{{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "1"},
                                                 {"MASTER_ADDR", "n1"}, {"MASTER_PORT", "29400"}};
  CHECK(alchain::read_world(env_of(slurm)).size == 1);
  auto in_step = slurm;
  in_step["SLURM_STEP_ID"] = "0";
  w = alchain::read_world(env_of(in_step));
  CHECK((w.launcher == "srun" && w.rank == 1 && w.size == 2 && w.local_rank == 1));
  // torchrun inside an srun allocation: torchrun's variables describe this process.
  in_step["RANK"] = "0";
  in_step["WORLD_SIZE"] = "8";
  CHECK(alchain::read_world(env_of(in_step)).size == 8);
  CHECK(alchain::read_world(env_of({{"ALCHAIN_DIST_TIMEOUT", "15"}})).timeout_s == 15);
}

TEST_CASE("read_world refuses, naming the variable: half a pair, a rank past the size, a non-number, no rendezvous") {
  CHECK(error_of({{"RANK", "0"}}) == "RANK is set but WORLD_SIZE is not: a launcher sets both");
  CHECK(error_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"ALCHAIN_DIST_STORE", "f"}}) == "RANK=2 is not below WORLD_SIZE=2");
  CHECK(error_of({{"RANK", "0"}, {"WORLD_SIZE", "two"}}).rfind("WORLD_SIZE='two': expected an integer", 0) == 0);
  CHECK(error_of({{"RANK", "0"}, {"WORLD_SIZE", "0"}}).rfind("WORLD_SIZE='0'", 0) == 0);
  const std::string no_addr = error_of({{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "2"}});
  CHECK(no_addr.rfind("MASTER_ADDR is not set, and 2 ranks (mpirun) need a rendezvous", 0) == 0);
  CHECK(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "99999"}})
            .rfind("MASTER_PORT='99999'", 0) == 0);
  CHECK(error_of({{"ALCHAIN_DIST_TIMEOUT", "0"}}).rfind("ALCHAIN_DIST_TIMEOUT='0'", 0) == 0);
  CHECK(error_of({{"RANK", "0"}, {"WORLD_SIZE", "1"}}).empty());  // one rank needs no rendezvous
}
