// Parameters and multiply-adds of a model at an input shape, and the latency they imply on named hardware.
#include "alchain/engine/model_cost.hpp"

#include <algorithm>
#include <ostream>
#include <stdexcept>

#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/sdk/model.hpp"
#include "alchain/util/format.hpp"
#include "alchain/util/text.hpp"

namespace alchain {

ModelCost measure_model(const PluginRegistry& registry, const std::string& label, const std::string& plugin,
                        const Params& params, const std::vector<std::int64_t>& input_shape, std::int64_t classes,
                        Task task) {
  CreateContext ctx;
  ctx.task = task;
  ctx.num_classes = classes;
  ctx.input_shape = input_shape;
  const auto model = registry.create_model(plugin, params, ctx);
  ModelCost c;
  c.label = label;
  c.plugin = plugin;
  c.params = model->parameter_count();
  c.macs = model->macs(input_shape);
  return c;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return join(shape, "x");
}

namespace {
std::string right(const std::string& s, std::size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }
std::string left(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }
}  // namespace

void print_model_costs(std::ostream& os, const std::vector<ModelCost>& models, const std::vector<Hardware>& hardware,
                       const std::vector<std::int64_t>& input_shape) {
  os << "per input of " << shape_text(input_shape) << "; GOPs = 2 x multiply-adds / 1e9; latency = GOPs / TOPS "
     << "(theoretical: peak rate, no memory traffic)\n\n";
  std::size_t w = 5;
  for (const auto& m : models) w = std::max(w, m.label.size());
  os << left("model", w) << "  " << right("params", 11) << "  " << right("multiply-adds", 14) << "  " << right("GOPs", 9);
  for (const auto& h : hardware) os << "  " << right(h.name + " ms", 10);
  os << "\n";
  for (const auto& m : models) {
    os << left(m.label, w) << "  " << right(std::to_string(m.params), 11) << "  " << right(std::to_string(m.macs), 14)
       << "  " << right(format("%.4g", m.gops()), 9);
    for (const auto& h : hardware) os << "  " << right(format("%.4g", latency_ms(m.gops(), h.tops)), 10);
    os << "\n";
  }
  os << "\nhardware:";
  for (const auto& h : hardware)
    os << " " << h.name << " " << format("%g", h.tops) << " TOPS" << (h.note.empty() ? "" : " (" + h.note + ")") << ";";
  os << "\n";
}

}  // namespace alchain
