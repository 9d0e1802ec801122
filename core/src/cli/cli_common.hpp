// What the alchain command's files share: the options every command takes and the plugin scan.
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "alchain/plugin/plugin_registry.hpp"

namespace alchain::cli {

/// --help and --plugin-path, which every command takes.
boost::program_options::options_description common_options();

/// Scans --plugin-path, $ALCHAIN_PLUGIN_PATH and the shipped plugins into `registry`; with
/// `warn`, every plugin that could not be loaded is a warning on stderr.
void load_plugins(PluginRegistry& registry, const boost::program_options::variables_map& vm, bool warn);

/// `alchain data PIPELINE`: the dataset's splits, classes and samples or pixels per class.
int cmd_data(const std::vector<std::string>& args);

/// `alchain models [PIPELINE]`: parameters, multiply-adds, GOPs and fleet latency per model.
int cmd_models(const std::vector<std::string>& args);

}  // namespace alchain::cli
