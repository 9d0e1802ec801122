// What the alchain command's files share: the options every command takes and the plugin scan.
#pragma once

#include <boost/program_options.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plugin/plugin_registry.hpp"

namespace alchain::cli {

/// --help and --plugin-path, which every command takes.
boost::program_options::options_description common_options();

/// Parses a command's arguments, `positional` taking `count` positional values (-1: any number).
/// On --help, or without `positional` or one of the `required` options, it prints the usage and
/// `about` and returns nothing, with `exit_code` 0 for --help and 2 otherwise.
std::optional<boost::program_options::variables_map> parse_command(
    const std::vector<std::string>& args, const boost::program_options::options_description& o, const char* positional,
    int count, const std::vector<std::string>& required, const std::string& about, int& exit_code);

/// Scans --plugin-path, $ALCHAIN_PLUGIN_PATH and the shipped plugins into `registry`; with
/// `warn`, every plugin that could not be loaded is a warning on stderr.
void load_plugins(PluginRegistry& registry, const boost::program_options::variables_map& vm, bool warn);

/// The -P/--plugin-path directories given.
std::vector<std::string> plugin_dirs(const boost::program_options::variables_map& vm);

/// The result file: -o, else results/<name>.h5.
std::filesystem::path output_of(const boost::program_options::variables_map& vm, const Pipeline& p);

/// `alchain plan PIPELINE --format json|lines` (commands_cluster.cpp).
int print_plan_as(const boost::program_options::variables_map& vm, const Pipeline& p, const PluginRegistry& registry,
                  const std::string& format);

/// `alchain merge PIPELINE -o OUT`: the result file from the trials' shards.
int cmd_merge(const std::vector<std::string>& args);

/// `alchain export snakemake|slurm PIPELINE`: the plan for Snakemake or as Slurm job arrays.
int cmd_export(const std::vector<std::string>& args);

/// `alchain data PIPELINE`: the dataset's splits, classes and samples or pixels per class.
int cmd_data(const std::vector<std::string>& args);

/// `alchain models [PIPELINE]`: parameters, multiply-adds, GOPs and fleet latency per model.
int cmd_models(const std::vector<std::string>& args);

}  // namespace alchain::cli
