// The commands that describe without running: `alchain data` (a pipeline's dataset) and
// `alchain models` (what each model costs, and its latency on the fleet's hardware).
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alchain/engine/dataset_census.hpp"
#include "alchain/engine/experiment.hpp"
#include "alchain/engine/model_cost.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/pipeline/hardware.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/run/task.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/sdk/dataset.hpp"
#include "alchain/util/clock.hpp"
#include "cli_common.hpp"

namespace po = boost::program_options;

namespace alchain::cli {

namespace {

/// The pipeline's dataset, whatever its task; a failure is an InputError at [dataset]'s position.
std::shared_ptr<Dataset> open_dataset_at(const Pipeline& p, const PluginRegistry& registry) {
  try {
    return open_dataset(p, registry);
  } catch (const std::exception& e) {
    Diagnostics diags(p.path);
    diags.error(p.dataset.pos, std::string("dataset: ") + e.what());
    throw InputError(diags);
  }
}

std::vector<std::int64_t> parse_shape(const std::string& text) {
  std::vector<std::int64_t> shape;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t x = std::min(text.find('x', at), text.size());
    const std::string part = text.substr(at, x - at);
    if (part.empty() || part.size() > 6 || part.find_first_not_of("0123456789") != std::string::npos || std::stoll(part) == 0)
      throw po::validation_error(po::validation_error::invalid_option_value, "input", text);
    shape.push_back(std::stoll(part));
    at = x + 1;
  }
  if (shape.size() != 3) throw po::validation_error(po::validation_error::invalid_option_value, "input", text);
  return shape;
}

}  // namespace

int cmd_data(const std::vector<std::string>& args) {
  po::options_description o("alchain data PIPELINE [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "pipeline file (its [dataset] table is used)")(
      "split", po::value<std::string>()->default_value("both"), "train, test or both")(
      "limit", po::value<std::int64_t>()->default_value(0), "count the first N samples of each split only (0 = all)")(
      "batch", po::value<std::int64_t>()->default_value(256), "samples per call to the dataset plugin");
  int rc = 0;
  const auto parsed = parse_command(
      args, o, "pipeline", 1, {},
      "Loads the pipeline's dataset as 'run' would and prints its splits' sizes and how\n"
      "many samples (classification) or pixels (segmentation) each class has, with the\n"
      "ignored pixels (label " + std::to_string(kIgnoreLabel) + ") and any label that is no class (a mapping bug).\n"
      "Exits 1 if a label is no class. Progress goes to stderr.\n",
      rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  const std::string which = vm["split"].as<std::string>();
  if (which != "train" && which != "test" && which != "both")
    throw po::validation_error(po::validation_error::invalid_option_value, "split", which);
  PluginRegistry registry;
  load_plugins(registry, vm, false);
  const std::string file = vm["pipeline"].as<std::string>();
  const Pipeline p = load_pipeline(file, registry);
  const std::shared_ptr<Dataset> data = open_dataset_at(p, registry);
  const DatasetInfo info = data->info();
  std::vector<LabelCensus> splits;
  for (const Split s : {Split::train, Split::test}) {
    if (which != "both" && which != to_string(s)) continue;
    double last = -1;
    const bool tty = ::isatty(2) == 1;
    splits.push_back(count_labels(*data, s, vm["limit"].as<std::int64_t>(), vm["batch"].as<std::int64_t>(),
                                  [&](std::int64_t done, std::int64_t total) {
                                    const double now = monotonic_seconds();
                                    if (done < total && (!tty || now - last < 1.0)) return;
                                    last = now;
                                    std::cerr << (tty ? "\r" : "") << "counting " << to_string(s) << " labels: " << done << "/" << total
                                              << (done == total ? "\n" : "") << std::flush;
                                  }));
  }
  print_census(std::cout, p.dataset.plugin, info, splits);
  for (const auto& c : splits)
    if (c.invalid > 0) {
      std::cerr << "alchain: error: " << file << ": dataset '" << p.dataset.plugin << "' gives " << c.invalid
                << " labels in its " << to_string(c.split) << " split that are no class (0.."
                << info.class_names.size() - 1 << ", or " << kIgnoreLabel << " for ignored)\n";
      return 1;
    }
  return 0;
}

namespace {

/// A model `alchain models` measures: its label in the table, its plugin and parameters.
struct ModelRow {
  std::string label, plugin;
  Params params;
};

/// Every --hardware NAME=TOPS, listed after the pipeline's or the fleet's hardware.
std::vector<Hardware> extra_hardware(const po::variables_map& vm) {
  std::vector<Hardware> extra;
  if (vm.count("hardware"))
    for (const auto& h : vm["hardware"].as<std::vector<std::string>>()) {
      try {
        extra.push_back(parse_hardware(h));
      } catch (const std::invalid_argument& e) {
        throw po::error(std::string("--hardware ") + e.what());
      }
    }
  return extra;
}

/// What a model is measured at: the input shape, the classes and (from a dataset) the task.
struct ModelInput {
  std::vector<std::int64_t> shape = {1, 32, 32};
  std::int64_t classes = 10;
  std::optional<Task> task;
};

/// A pipeline's generations and model entries, at its dataset's input unless both --input and
/// --classes are given (then its data need not be at hand); `hardware` becomes the pipeline's.
std::vector<ModelRow> pipeline_rows(const po::variables_map& vm, const PluginRegistry& registry, ModelInput& in,
                                    std::vector<Hardware>& hardware) {
  if (vm.count("model")) throw po::error("--model lists plugins; a pipeline lists its own models");
  const std::string file = vm["pipeline"].as<std::string>();
  const Pipeline p = load_pipeline(file, registry);
  if (p.assessment.present) throw po::error(file + ": an assessment pipeline; give a chain or an experiment");
  hardware = p.hardware;  // the fleet and the pipeline's [hardware]
  if (!(vm.count("input") && vm.count("classes"))) {
    const DatasetInfo info = open_dataset_at(p, registry)->info();
    in.shape = info.input_shape;
    in.classes = static_cast<std::int64_t>(info.class_names.size());
    in.task = info.task;
  }
  std::vector<ModelRow> rows;
  for (const auto& g : p.generations) rows.push_back({g.name + " (" + g.model.plugin + ")", g.model.plugin, g.model.params});
  for (const auto& m : p.model_entries)
    rows.push_back({m.name == m.model.plugin ? m.name : m.name + " (" + m.model.plugin + ")", m.model.plugin, m.model.params});
  return rows;
}

/// Every model plugin found, or those named by --model, with their default parameters.
std::vector<ModelRow> plugin_rows(const po::variables_map& vm, const PluginRegistry& registry) {
  std::vector<std::string> names = registry.names(PluginKind::model);
  if (vm.count("model")) {
    names = vm["model"].as<std::vector<std::string>>();
    for (const auto& n : names)
      if (!registry.contains(PluginKind::model, n)) throw std::runtime_error("unknown model '" + n + "' (alchain plugins lists them)");
  }
  std::vector<ModelRow> rows;
  for (const auto& n : names) rows.push_back({n, n, default_params(registry.get(PluginKind::model, n))});
  return rows;
}

std::vector<ModelCost> measure_rows(const std::vector<ModelRow>& rows, const PluginRegistry& registry,
                                    const ModelInput& in) {
  std::vector<ModelCost> costs;
  for (const auto& r : rows) {
    try {
      const bool segmentation = registry.get(PluginKind::model, r.plugin).flags & ALCHAIN_FLAG_SEGMENTATION;
      const Task task = in.task ? *in.task : segmentation ? Task::segmentation : Task::classification;
      costs.push_back(measure_model(registry, r.label, r.plugin, r.params, in.shape, in.classes, task));
    } catch (const std::exception& e) {
      throw std::runtime_error("model '" + r.label + "' for input " + shape_text(in.shape) + ": " + e.what());
    }
  }
  return costs;
}

}  // namespace

int cmd_models(const std::vector<std::string>& args) {
  po::options_description o("alchain models [PIPELINE] [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "a pipeline: its models, with their parameters, at its dataset's input")(
      "input", po::value<std::string>(), "input shape CxHxW (default: the pipeline's dataset, else 1x32x32)")(
      "classes", po::value<std::int64_t>(), "classes the models are built for (default: the pipeline's dataset, else 10)")(
      "model", po::value<std::vector<std::string>>()->composing(), "only this model plugin (repeatable; without a pipeline)")(
      "hardware", po::value<std::vector<std::string>>()->composing(),
      "another accelerator as NAME=TOPS (repeatable), after TX2, Xavier and Orin");
  po::positional_options_description pos;
  pos.add("pipeline", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(o).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << o << "\nCreates each model for one input and prints its parameters, multiply-adds, GOPs\n"
                 "(2 operations per multiply-add) and the theoretical latency GOPs / TOPS on the fleet's\n"
                 "hardware (docs/models.md). Example: alchain models --input 3x1024x2048 --classes 19\n"
                 "With both --input and --classes, a pipeline's dataset is not opened (its data need not be\n"
                 "at hand): alchain models pipelines/cityscapes_generations.toml --input 3x512x1024 --classes 19\n";
    return 0;
  }
  std::vector<Hardware> hardware = fleet_hardware();
  const std::vector<Hardware> extra = extra_hardware(vm);
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  ModelInput in;
  const std::vector<ModelRow> rows =
      vm.count("pipeline") ? pipeline_rows(vm, registry, in, hardware) : plugin_rows(vm, registry);
  if (vm.count("input")) in.shape = parse_shape(vm["input"].as<std::string>());
  if (vm.count("classes")) {
    in.classes = vm["classes"].as<std::int64_t>();
    if (in.classes < 1) throw po::validation_error(po::validation_error::invalid_option_value, "classes", std::to_string(in.classes));
  }
  const std::vector<ModelCost> costs = measure_rows(rows, registry, in);
  hardware.insert(hardware.end(), extra.begin(), extra.end());
  print_model_costs(std::cout, costs, hardware, in.shape);
  return 0;
}

}  // namespace alchain::cli
