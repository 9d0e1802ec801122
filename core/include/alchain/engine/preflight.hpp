/// What every command that trains does before it loads anything: refuse an output it could not
/// write, then set the compute threads and the device for the whole process.
#pragma once

#include <filesystem>

#include "alchain/pipeline/pipeline.hpp"

namespace alchain {

/// Throws (check_output_writable) unless `output` can be created, then sets the compute threads
/// (`threads_option` when >= 0, as given on the command line; else the pipeline's run.threads)
/// and the device a process of its own gets (set_assigned_device with worker -1). Returns the
/// thread count in use, which results record.
int prepare_run(const Pipeline& p, const std::filesystem::path& output, int threads_option);

}  // namespace alchain
