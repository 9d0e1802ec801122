// What the alchain command's files share: the options every command takes and the plugin scan.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

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

/// `alchain data PIPELINE`: the dataset's splits, classes and samples or pixels per class.
int cmd_data(const std::vector<std::string>& args);

/// `alchain models [PIPELINE]`: parameters, multiply-adds, GOPs and fleet latency per model.
int cmd_models(const std::vector<std::string>& args);

}  // namespace alchain::cli
