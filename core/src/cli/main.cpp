// The alchain command line: run, validate, plugins.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/runner.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/version.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace alchain;

namespace {

const char* kUsage = R"(alchain: active learning across model generations

usage: alchain <command> [options]

commands:
  run PIPELINE        run a pipeline and write its results to an HDF5 file
  validate PIPELINE.. check pipelines (syntax, schema, plugins, plugin parameters)
  plugins             list the plugins found (kind, name, version, ABI, file)

  alchain <command> --help   options of a command
  alchain --version          version, plugin ABI and build fingerprint

Plugins are searched in --plugin-path directories, then $ALCHAIN_PLUGIN_PATH
(':'-separated), then the plugins shipped with alchain.
)";

po::options_description common_options() {
  po::options_description o("common options");
  o.add_options()("help,h", "show this help")(
      "plugin-path,P", po::value<std::vector<std::string>>()->composing(),
      "directory to search for plugins first (repeatable)");
  return o;
}

void load_plugins(PluginRegistry& registry, const po::variables_map& vm, bool warn) {
  std::vector<fs::path> dirs;
  if (vm.count("plugin-path"))
    for (const auto& d : vm["plugin-path"].as<std::vector<std::string>>()) {
      if (!fs::is_directory(d)) throw std::runtime_error(d + ": --plugin-path is not a directory");
      dirs.emplace_back(d);
    }
  registry.scan(plugin_search_path(dirs));
  if (warn)
    for (const auto& p : registry.problems()) std::cerr << "alchain: warning: " << p.what() << "\n";
}

int cmd_plugins(const std::vector<std::string>& args) {
  po::options_description o("alchain plugins [options]");
  o.add(common_options());
  o.add_options()("verbose,v", "also list each plugin's parameters and description");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(o).run(), vm);
  if (vm.count("help")) {
    std::cout << o << "\n";
    return 0;
  }
  PluginRegistry registry;
  load_plugins(registry, vm, false);
  const bool verbose = vm.count("verbose") != 0;
  std::printf("%-8s %-18s %-8s %-5s %s\n", "kind", "name", "version", "ABI", "file");
  for (const PluginInfo* p : registry.plugins()) {
    std::printf("%-8s %-18s %-8s %u.%-3u %s\n", to_string(p->kind), p->name.c_str(), p->version.c_str(),
                p->abi_major, p->abi_minor, p->file.c_str());
    if (!verbose) continue;
    std::printf("         %s\n", p->description.c_str());
    for (const auto& s : p->params)
      std::printf("         - %s (%s, default %s): %s\n", s.name.c_str(), to_string(s.type),
                  s.default_value ? s.default_value->c_str() : "required", s.doc.c_str());
  }
  for (const auto& e : registry.problems()) std::fprintf(stderr, "not loaded (%s): %s\n", to_string(e.kind()), e.what());
  return registry.problems().empty() ? 0 : 3;
}

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description o("alchain validate PIPELINE... [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::vector<std::string>>(), "pipeline files");
  po::positional_options_description pos;
  pos.add("pipeline", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(o).positional(pos).run(), vm);
  if (vm.count("help") || !vm.count("pipeline")) {
    std::cout << o << "\nPrints every problem as file:line:column: message; exits 1 if any.\n";
    return vm.count("help") ? 0 : 2;
  }
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  int status = 0;
  for (const auto& file : vm["pipeline"].as<std::vector<std::string>>()) {
    try {
      load_pipeline(file, registry);
      std::cout << file << ": ok\n";
    } catch (const InputError& e) {
      std::cerr << e.what() << "\n";
      status = 1;
    }
  }
  return status;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description o("alchain run PIPELINE [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "pipeline file")(
      "output,o", po::value<std::string>(), "result file (default: results/<pipeline name>.h5)")(
      "overwrite", "replace the result file if it exists")(
      "threads,j", po::value<int>(), "compute threads (0 = every core; default: the pipeline's run.threads)")(
      "quiet,q", "no progress lines, only errors and the final table");
  po::positional_options_description pos;
  pos.add("pipeline", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(o).positional(pos).run(), vm);
  if (vm.count("help") || !vm.count("pipeline")) {
    std::cout << o << "\n";
    return vm.count("help") ? 0 : 2;
  }
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  const Pipeline p = load_pipeline(vm["pipeline"].as<std::string>(), registry);
  RunOptions ro;
  ro.output = vm.count("output") ? fs::path(vm["output"].as<std::string>()) : fs::path("results") / (p.name + ".h5");
  ro.overwrite = vm.count("overwrite") != 0;
  ro.quiet = vm.count("quiet") != 0;
  if (vm.count("threads")) ro.threads = vm["threads"].as<int>();
  const RunSummary s = run_pipeline(p, registry, ro);
  print_summary(std::cout, s, p.random_baseline);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tune_process(argv);
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (cmd == "--version") {
      std::cout << "alchain " << ALCHAIN_VERSION_STRING << "\nplugin ABI " << ALCHAIN_ABI_MAJOR << "."
                << ALCHAIN_ABI_MINOR << "\nfingerprint " << host_fingerprint() << "\n";
      return 0;
    }
    if (cmd == "run") return cmd_run(args);
    if (cmd == "validate") return cmd_validate(args);
    if (cmd == "plugins") return cmd_plugins(args);
    std::cerr << "alchain: unknown command '" << cmd << "'\n\n" << kUsage;
    return 2;
  } catch (const po::error& e) {
    std::cerr << "alchain " << cmd << ": " << e.what() << " (see alchain " << cmd << " --help)\n";
    return 2;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "alchain: error: " << e.what() << "\n";
    return 1;
  }
}
