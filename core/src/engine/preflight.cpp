// The preflight the experiment and the assessment share, so both refuse and configure alike.
#include "alchain/engine/preflight.hpp"

#include "alchain/engine/experiment.hpp"
#include "alchain/run/device.hpp"
#include "alchain/run/process_tuning.hpp"

namespace alchain {

int prepare_run(const Pipeline& p, const std::filesystem::path& output, int threads_option) {
  check_output_writable(output);  // before anything is loaded or trained
  const int threads = set_compute_threads(threads_option >= 0 ? threads_option : p.run.threads);
  set_assigned_device(p.run, -1);  // a process of its own: LOCAL_RANK or SLURM_LOCALID pick among GPUs
  return threads;
}

}  // namespace alchain
