// Helpers shared by the tests: paths of the build's plugins and fixtures, temp dirs, a registry.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "alchain/plugin/plugin_registry.hpp"
#include "test_paths.hpp"

namespace alchain::test {

inline std::filesystem::path plugin_dir() { return kPluginDir; }
inline std::filesystem::path fixture_dir(const std::string& c) { return std::filesystem::path(kFixtureDir) / c; }
inline std::filesystem::path source_dir() { return kSourceDir; }

/// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("alchain-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A shipped plugin's parameters from a TOML text of its parameter table (defaults filled,
/// checked as a pipeline's would be; a problem fails the test).
Params plugin_params(PluginKind kind, const std::string& name, const std::string& params_toml);
/// A shipped dataset plugin made with those parameters (paths relative to the working directory).
std::shared_ptr<Dataset> make_dataset(const std::string& name, const std::string& params_toml);

/// The registry every integration test uses: the plugins this build ships.
inline const PluginRegistry& shipped_plugins() {
  static PluginRegistry* r = [] {
    auto* reg = new PluginRegistry();
    reg->scan({plugin_dir()});
    return reg;
  }();
  return *r;
}

struct CliResult {
  int status;          ///< exit code, or 128 + signal
  std::string output;  ///< stdout and stderr together
};

/// Runs `command` through the shell, stderr with stdout.
inline CliResult run_shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  std::fflush(nullptr);  // the child must not inherit (and later flush) our buffered output
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + cmd);
  std::string out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int st = pclose(p);
  if (WIFSIGNALED(st)) return {128 + WTERMSIG(st), out};
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

/// Runs `alchain <args>` through the shell, with `env` (variable assignments) before it.
inline CliResult run_cli(const std::string& args, const std::string& env = "") {
  return run_shell(env + (env.empty() ? "" : " ") + std::string(kAlchainExe) + " " + args);
}

/// A 2 x 2 matrix of small MLPs on 1500 Fashion-MNIST images, 2 repeats: seconds per run, used
/// by the experiment and cluster-trial tests.
inline const char* const kSmallMatrix = R"(schema = 1
name = "small_matrix"
[run]
seed = 11
threads = 1
inference_batch_size = 256
[dataset]
plugin = "fashion_mnist"
[dataset.params]
train_limit = 1500
test_limit = 300
[budget]
initial = 60
per_cycle = 40
cycles = 2
[training]
epochs = 2
batch_size = 32
[models.wide]
plugin = "mlp"
params = { hidden = [64] }
[models.narrow]
plugin = "mlp"
params = { hidden = [16] }
[experiment]
surrogates = ["wide", "narrow"]
deployments = ["wide", "narrow"]
policies = ["entropy"]
repeats = 2
)";

}  // namespace alchain::test
