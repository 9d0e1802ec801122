// GPU assignment: which device each --jobs worker and each process of its own computes on
// (run.device, run.devices, LOCAL_RANK, SLURM_LOCALID, CUDA_VISIBLE_DEVICES), run.devices in the
// parser, cuda refused cleanly on a CPU LibTorch, and the device a trial ran on in its shard.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <torch/cuda.h>

#include "alchain/engine/experiment.hpp"
#include "alchain/pipeline/device_assignment.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/run/device.hpp"
#include "h5_read.hpp"
#include "test_support.hpp"

using namespace alchain;
namespace fs = std::filesystem;

namespace {

using Devices = std::vector<std::string>;

DeviceEnvironment env(std::optional<std::string> local_rank = {}, std::optional<std::string> slurm_localid = {},
                      std::optional<std::string> visible = {}) {
  return {local_rank, slurm_localid, visible};
}

/// The devices of workers 0 .. n-1.
Devices workers(const std::string& device, const Devices& devices, int n, int visible) {
  Devices out;
  for (int i = 0; i < n; ++i) out.push_back(assign_device(device, devices, i, env(), visible));
  return out;
}

/// Sets (or, with nullopt, unsets) an environment variable for the scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// The [run] table of a chain pipeline with `run_keys`, and its diagnostics as "line:col: message".
std::vector<std::string> run_diagnostics(const std::string& run_keys, Pipeline* out = nullptr) {
  const std::string text = "schema = 1\n[run]\n" + run_keys +
                           "\n[dataset]\nplugin = \"fashion_mnist\"\n[[generation]]\nmodel = \"mlp\"\npolicy = \"entropy\"\n";
  Diagnostics d("d.toml");
  Pipeline p = parse_pipeline(text, "d.toml", test::shipped_plugins(), d);
  if (out) *out = p;
  std::vector<std::string> msgs;
  for (const auto& item : d.items())
    msgs.push_back(std::to_string(item.pos.line) + ":" + std::to_string(item.pos.column) + ": " + item.message);
  return msgs;
}

/// The small matrix with `[run]`'s `threads = 1` followed by `extra`.
fs::path write_matrix(const test::TempDir& dir, const std::string& extra) {
  std::string text = test::kSmallMatrix;
  text.replace(text.find("threads = 1"), 11, "threads = 1\n" + extra);
  const fs::path p = dir / "m.toml";
  test::write_file(p, text);
  return p;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("device assignment: cpu stays cpu, an explicit cuda:K stays, whatever the worker or environment") {
  CHECK(workers("cpu", {}, 4, 2) == Devices{"cpu", "cpu", "cpu", "cpu"});
  CHECK(workers("cuda:1", {}, 3, 4) == Devices{"cuda:1", "cuda:1", "cuda:1"});
  // Neither reads the environment: a malformed LOCAL_RANK does not matter to them.
  CHECK(assign_device("cpu", {}, -1, env("abc"), 2) == "cpu");
  CHECK(assign_device("cuda:3", {}, -1, env("abc"), 4) == "cuda:3");
}

TEST_CASE("device assignment: plain cuda spreads --jobs workers over the visible GPUs, round robin") {
  CHECK(workers("cuda", {}, 4, 2) == Devices{"cuda:0", "cuda:1", "cuda:0", "cuda:1"});
  CHECK(workers("cuda", {}, 4, 4) == Devices{"cuda:0", "cuda:1", "cuda:2", "cuda:3"});
  CHECK(workers("cuda", {}, 3, 1) == Devices{"cuda:0", "cuda:0", "cuda:0"});
  // A process of its own: its local rank modulo the visible devices, 0 without a launcher.
  CHECK(assign_device("cuda", {}, -1, env(), 4) == "cuda:0");
  CHECK(assign_device("cuda", {}, -1, env("3"), 4) == "cuda:3");
  CHECK(assign_device("cuda", {}, -1, env("5"), 4) == "cuda:1");
  // Slurm with --gres=gpu:1: one GPU visible to each task, whatever its SLURM_LOCALID.
  CHECK(assign_device("cuda", {}, -1, env({}, "3"), 1) == "cuda:0");
  // Nothing visible (a CPU LibTorch): "cuda" stays, for the device check to refuse with its reason.
  CHECK(workers("cuda", {}, 2, 0) == Devices{"cuda", "cuda"});
  CHECK(assign_device("cuda", {}, -1, env("1"), 0) == "cuda");
}

TEST_CASE("device assignment: run.devices by worker index, or by local rank for a process of its own") {
  const Devices two{"cuda:0", "cuda:1"}, three{"cuda:2", "cuda:2", "cuda:3"};
  CHECK(workers("cuda", two, 4, 2) == Devices{"cuda:0", "cuda:1", "cuda:0", "cuda:1"});
  CHECK(workers("cuda", three, 4, 4) == Devices{"cuda:2", "cuda:2", "cuda:3", "cuda:2"});  // listed twice, used twice
  CHECK(workers("cpu", {"cpu", "cpu"}, 3, 0) == Devices{"cpu", "cpu", "cpu"});
  CHECK(assign_device("cuda", two, -1, env(), 2) == "cuda:0");
  CHECK(assign_device("cuda", two, -1, env("1"), 2) == "cuda:1");
  CHECK(assign_device("cuda", two, -1, env({}, "3"), 2) == "cuda:1");
  // The list is the pipeline's word: the visible count does not change it (the device check does).
  CHECK(assign_device("cuda", three, 2, env(), 1) == "cuda:3");
}

TEST_CASE("device assignment: the local rank is LOCAL_RANK, else SLURM_LOCALID, else 0") {
  CHECK(local_rank(env()) == 0);
  CHECK(local_rank(env("2")) == 2);
  CHECK(local_rank(env({}, "5")) == 5);
  CHECK(local_rank(env("1", "7")) == 1);  // torchrun inside an srun step: torchrun's rank
  CHECK(assign_device("cuda", {}, -1, env("1", "2"), 4) == "cuda:1");
  // A worker's index wins over the environment: --jobs spreads its own workers.
  CHECK(assign_device("cuda", {}, 3, env("1", "2"), 4) == "cuda:3");
}

TEST_CASE("device assignment: a malformed LOCAL_RANK or SLURM_LOCALID is refused, naming the variable") {
  CHECK_THROWS_WITH_AS(local_rank(env("abc")),
                       "LOCAL_RANK='abc': expected this process's index on its node, an integer >= 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(local_rank(env("-1")), doctest::Contains("LOCAL_RANK='-1'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(local_rank(env("")), doctest::Contains("LOCAL_RANK=''"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(local_rank(env({}, "1.5")), doctest::Contains("SLURM_LOCALID='1.5'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(local_rank(env({}, "99999999999")), doctest::Contains("SLURM_LOCALID="), std::invalid_argument);
  // LOCAL_RANK comes first: a malformed one is refused even with a good SLURM_LOCALID.
  CHECK_THROWS_WITH_AS(local_rank(env("x", "0")), doctest::Contains("LOCAL_RANK='x'"), std::invalid_argument);
  CHECK_THROWS_AS(assign_device("cuda", {}, -1, env("abc"), 2), std::invalid_argument);
  CHECK_THROWS_AS(assign_device("cuda", {"cuda:0", "cuda:1"}, -1, env({}, "two"), 2), std::invalid_argument);
  CHECK(assign_device("cuda", {}, 1, env("abc"), 2) == "cuda:1");  // a worker reads no variable
}

TEST_CASE("device assignment: CUDA_VISIBLE_DEVICES bounds the visible devices, numbered from 0") {
  CHECK(visible_cuda_devices(env(), 4) == 4);
  CHECK(visible_cuda_devices(env(), 0) == 0);
  CHECK(visible_cuda_devices(env({}, {}, "2,3"), 2) == 2);
  CHECK(visible_cuda_devices(env({}, {}, "2,3"), 8) == 2);
  CHECK(visible_cuda_devices(env({}, {}, "2,3"), 0) == 0);  // a CPU LibTorch sees none, whatever the list
  CHECK(visible_cuda_devices(env({}, {}, ""), 4) == 0);
  CHECK(visible_cuda_devices(env({}, {}, "-1"), 4) == 0);
  CHECK(visible_cuda_devices(env({}, {}, "NoDevFiles"), 4) == 0);
  CHECK(visible_cuda_devices(env({}, {}, "0,abc,1"), 4) == 1);  // as CUDA: the list ends at an invalid entry
  CHECK(visible_cuda_devices(env({}, {}, "GPU-8f1c,MIG-77aa"), 4) == 2);
  // GPUs 2 and 3 of the machine are cuda:0 and cuda:1 here.
  const int visible = visible_cuda_devices(env({}, {}, "2,3"), 2);
  CHECK(workers("cuda", {}, 3, visible) == Devices{"cuda:0", "cuda:1", "cuda:0"});
}

TEST_CASE("device assignment: is_device_name is the syntax of run.device and run.devices") {
  for (const std::string ok : {"cpu", "cuda", "cuda:0", "cuda:12"}) CHECK_MESSAGE(is_device_name(ok), ok);
  for (const std::string bad : {"", "gpu", "CUDA", "cuda:", "cuda:-1", "cuda:1a", "cpu:0", "mps", " cuda"})
    CHECK_FALSE_MESSAGE(is_device_name(bad), bad);
}

TEST_CASE("run.devices: the parser takes a list of one kind and refuses the rest at line:column") {
  Pipeline p;
  CHECK(run_diagnostics("devices = [\"cuda:0\", \"cuda:1\", \"cuda:1\"]", &p).empty());
  CHECK(p.run.devices == Devices{"cuda:0", "cuda:1", "cuda:1"});
  CHECK(p.run.device == "cuda");  // the kind, for what reads run.device
  CHECK(p.run.devices_pos.line == 3);
  CHECK(p.run.devices_pos.column == 11);
  CHECK(run_diagnostics("devices = [\"cpu\"]", &p).empty());
  CHECK(p.run.devices == Devices{"cpu"});
  CHECK(p.run.device == "cpu");
  CHECK(run_diagnostics("device = \"cuda:1\"", &p).empty());
  CHECK(p.run.devices.empty());

  CHECK(run_diagnostics("devices = []") ==
        std::vector<std::string>{"3:11: run.devices: empty; list the devices to spread processes over, or leave it out"});
  CHECK(run_diagnostics("devices = [\"cpu\", \"cuda:0\"]") ==
        std::vector<std::string>{"3:11: run.devices: mixes cpu and cuda; a run's trials compute on one kind of device"});
  CHECK(run_diagnostics("device = \"cuda\"\ndevices = [\"cuda:0\"]") ==
        std::vector<std::string>{"4:11: run.devices: give run.device or run.devices, not both"});
  CHECK(run_diagnostics("devices = \"cuda:0\"") ==
        std::vector<std::string>{"3:11: run.devices: expected an array, got a string"});
  CHECK(run_diagnostics("devices = [\"cuda:0\", \"cuda\", 1, \"tpu\"]") ==
        std::vector<std::string>{"3:22: run.devices: 'cuda': name each device, cuda:<index>",
                                 "3:30: run.devices: expected device names (strings), got an integer",
                                 "3:33: run.devices: 'tpu': cpu or cuda:<index>"});
}

TEST_CASE("run.devices: cuda is refused cleanly on a CPU LibTorch, by validate at its position and before run writes") {
  if (torch::cuda::is_available()) {
    MESSAGE("skipped: this LibTorch has CUDA; the refusal is for a CPU build");
    return;
  }
  test::TempDir dir;
  const fs::path pipe = write_matrix(dir, "devices = [\"cuda:0\", \"cuda:1\"]");
  test::CliResult r = test::run_cli("validate " + pipe.string());
  CHECK(r.status == 1);
  CHECK_MESSAGE(contains(r.output, "m.toml:6:11: run.devices: 'cuda:0': this alchain's LibTorch ("), r.output);
  CHECK(contains(r.output, "has no CUDA"));
  const fs::path out = dir / "m.h5";
  for (const std::string how : {"--jobs 2", "--trial select:wide:entropy:r0"}) {
    r = test::run_cli("run " + pipe.string() + " -o " + out.string() + " " + how);
    CHECK(r.status == 1);
    CHECK_MESSAGE(contains(r.output, "run.devices: 'cuda:0': this alchain's LibTorch ("), r.output);
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(dir / "m.h5.trials"));
  }
  // In process: the device a process of its own gets, then the same refusal.
  Pipeline p;
  REQUIRE(run_diagnostics("devices = [\"cuda:0\", \"cuda:1\"]", &p).empty());
  {
    const ScopedEnv rank("LOCAL_RANK", std::string("1"));
    CHECK(assigned_device(p.run, -1) == "cuda:1");
    CHECK(assigned_device(p.run, 2) == "cuda:0");
    CHECK_THROWS_WITH(set_assigned_device(p.run, -1), doctest::Contains("run.devices: 'cuda:1': this alchain's LibTorch"));
  }
  REQUIRE(run_diagnostics("device = \"cuda\"", &p).empty());
  CHECK(assigned_device(p.run, 1) == "cuda");  // nothing visible: left for the check to refuse
  CHECK_THROWS_WITH(set_assigned_device(p.run, 1), doctest::Contains("run.device: 'cuda': this alchain's LibTorch"));
  CHECK(run_device().is_cpu());
}

TEST_CASE("run.devices: a malformed LOCAL_RANK stops run --trial before anything is written, naming it") {
  test::TempDir dir;
  const fs::path pipe = write_matrix(dir, "devices = [\"cpu\", \"cpu\"]"), out = dir / "m.h5";
  const test::CliResult r =
      test::run_cli("run " + pipe.string() + " -o " + out.string() + " --trial select:wide:entropy:r0", "LOCAL_RANK=abc");
  CHECK(r.status == 1);
  CHECK_MESSAGE(contains(r.output, "run.devices: LOCAL_RANK='abc': expected this process's index on its node"), r.output);
  CHECK_FALSE(fs::exists(dir / "m.h5.trials"));
}

TEST_CASE("the device a trial ran on is in its shard and in the merged result file") {
  test::TempDir dir;
  const fs::path pipe = write_matrix(dir, "devices = [\"cpu\", \"cpu\"]"), out = dir / "m.h5";
  const std::string id = "select:wide:entropy:r0";
  test::CliResult r = test::run_cli("run " + pipe.string() + " -o " + out.string() + " --trial " + id + " -q");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  {
    H5::H5File shard = test::open_h5((dir / "m.h5.trials" / (id + ".h5")).string());
    CHECK(test::attr_string(shard.openGroup("trial"), "device") == "cpu");
  }
  // A --jobs worker, as run starts it: its index picks its device from run.devices.
  const Pipeline p = load_pipeline(pipe, test::shipped_plugins());
  const std::string fingerprint = plan_for(p, test::shipped_plugins()).fingerprint;
  const std::string second = "select:narrow:entropy:r0";
  r = test::run_shell("echo " + second + " | " + std::string(test::kAlchainExe) + " worker " + pipe.string() +
                      " --shard-dir " + (dir / "m.h5.trials").string() + " --fingerprint " + fingerprint +
                      " --threads 1 --worker-index 1");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK_MESSAGE(contains(r.output, "done " + second + " "), r.output);
  r = test::run_cli("merge " + pipe.string() + " -o " + out.string() + " --partial");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  H5::H5File f = test::open_h5(out.string());
  CHECK(test::attr_string(f.openGroup("/trials/" + id), "device") == "cpu");
  CHECK(test::attr_string(f.openGroup("/trials/" + second), "device") == "cpu");
}
