/// What a model costs per input, and what that means on the fleet's hardware: parameters,
/// multiply-adds, GOPs, and the theoretical latency GOPs / TOPS (`alchain models`, docs/models.md).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "alchain/pipeline/hardware.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain {

class PluginRegistry;

struct ModelCost {
  std::string label;   ///< what the row is called (a plugin name, or a pipeline's generation)
  std::string plugin;
  std::int64_t params = 0;
  std::int64_t macs = 0;  ///< multiply-accumulates of one forward pass on one input
  /// Giga-operations per input: one multiply-accumulate counts as two operations.
  double gops() const { return 2.0 * static_cast<double>(macs) / 1e9; }
};

/// Theoretical latency of one input in milliseconds: GOPs / (TOPS * 1000 GOPs/s) * 1000 ms.
inline double latency_ms(double gops, double tops) { return gops / tops; }

/// Creates model `plugin` with `params` for `classes` classes of `task` and one input of
/// `input_shape` (C, H, W) and counts its parameters and multiply-adds.
ModelCost measure_model(const PluginRegistry& registry, const std::string& label, const std::string& plugin,
                        const Params& params, const std::vector<std::int64_t>& input_shape, std::int64_t classes,
                        Task task = Task::classification);

/// The table `alchain models` prints.
void print_model_costs(std::ostream& os, const std::vector<ModelCost>& models, const std::vector<Hardware>& hardware,
                       const std::vector<std::int64_t>& input_shape);

/// "3x1024x2048" for {3, 1024, 2048}.
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace alchain
