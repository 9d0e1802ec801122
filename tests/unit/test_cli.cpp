// The alchain executable as a user runs it: help, plugins, validate, run errors, and SIGKILL mid-run.
#include <csignal>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <thread>

#include <doctest/doctest.h>

#include "alchain/sdk/abi.h"
#include "h5_read.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

/// Runs `alchain <args>`, stdout and stderr together.
test::CliResult alchain_cli(const std::string& args) { return test::run_cli(args); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("alchain --help, --version and unknown commands") {
  auto r = alchain_cli("--help");
  CHECK(r.status == 0);
  CHECK(contains(r.output, "usage: alchain <command>"));
  r = alchain_cli("--version");
  CHECK(r.status == 0);
  CHECK(contains(r.output, "plugin ABI " + std::to_string(ALCHAIN_ABI_MAJOR) + "." + std::to_string(ALCHAIN_ABI_MINOR)));
  CHECK(contains(r.output, host_fingerprint()));
  r = alchain_cli("frobnicate");
  CHECK(r.status == 2);
  CHECK(contains(r.output, "unknown command 'frobnicate'"));
  r = alchain_cli("run --help");
  CHECK(r.status == 0);
  CHECK(contains(r.output, "--overwrite"));
}

TEST_CASE("alchain plugins lists kind, name, version, ABI and file") {
  const auto r = alchain_cli("plugins");
  CHECK(r.status == 0);
  CHECK(contains(r.output, "policy   entropy"));
  CHECK(contains(r.output, "model    resnet20"));
  CHECK(contains(r.output, "dataset  fashion_mnist"));
  CHECK(contains(r.output, "libalchain_model_resnet20.so"));
  const auto bad = alchain_cli("plugins -P " + test::fixture_dir("abi_major").string());
  CHECK(bad.status == 3);
  CHECK(contains(bad.output, "libalchain_policy_fixture_abi_major.so: ABI 1.1, host supports " + std::to_string(ALCHAIN_ABI_MAJOR) + ".0-" + std::to_string(ALCHAIN_ABI_MAJOR) + "." + std::to_string(ALCHAIN_ABI_MINOR)));
}

TEST_CASE("alchain validate reports every error as file:line:column") {
  const auto file = test::source_dir() / "tests/pipelines/invalid/many_mistakes.toml";
  const auto r = alchain_cli("validate " + file.string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, file.string() + ":8:8: run.seed"));
  CHECK(contains(r.output, file.string() + ":18:2: unknown key 'trainig'"));
  CHECK(contains(r.output, "unknown policy 'baldd'"));
  const auto ok = alchain_cli("validate " + (test::source_dir() / "pipelines/quickstart.toml").string());
  CHECK(ok.status == 0);
  CHECK(contains(ok.output, "quickstart.toml: ok"));
  const auto missing = alchain_cli("validate /nonexistent/x.toml");
  CHECK(missing.status == 1);
  CHECK(contains(missing.output, "/nonexistent/x.toml: cannot open pipeline file"));
}

TEST_CASE("alchain run: a bad pipeline writes nothing; an existing result is not overwritten") {
  test::TempDir dir;
  test::write_file(dir / "bad.toml", "schema = 1\n[dataset]\nplugin = \"fashion_mnist\"\n[[generation]]\nmodel = \"resnet51\"\npolicy = \"entropy\"\n");
  auto r = alchain_cli("run " + (dir / "bad.toml").string() + " -o " + (dir / "out.h5").string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "bad.toml:5:9: generation[0].model: unknown model 'resnet51'"));
  CHECK_FALSE(std::filesystem::exists(dir / "out.h5"));
  test::write_file(dir / "out.h5", "keep me");
  r = alchain_cli("run " + (test::source_dir() / "pipelines/quickstart.toml").string() + " -o " + (dir / "out.h5").string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "out.h5: result file exists; pass --resume to continue it or --overwrite to replace it"));
  CHECK(test::read_file(dir / "out.h5") == "keep me");
}

TEST_CASE("a run killed with SIGKILL from outside keeps its finished trials, and --resume completes it") {
  test::TempDir dir;
  test::write_file(dir / "long.toml", R"(schema = 1
[run]
threads = 1
repeats = 2
[dataset]
plugin = "fashion_mnist"
[dataset.params]
train_limit = 3000
test_limit = 300
[budget]
initial = 200
per_cycle = 100
cycles = 3
[training]
epochs = 2
[[generation]]
model = "lenet5"
policy = "entropy"
)");
  const std::string out = (dir / "long.h5").string();
  std::fflush(nullptr);  // the child must not inherit (and later flush) our buffered output
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    freopen("/dev/null", "w", stderr);
    freopen("/dev/null", "w", stdout);
    execl(alchain::test::kAlchainExe, alchain::test::kAlchainExe, "run", (dir / "long.toml").c_str(), "-o", out.c_str(), "-q", nullptr);
    _exit(127);
  }
  // Wait until the first trial is in the file, then kill without warning.
  bool ready = false;
  for (int i = 0; i < 1200 && !ready; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!std::filesystem::exists(out)) continue;
    try {
      H5::H5File f = test::open_h5(out);
      ready = f.nameExists("/trials/chain:r0");
    } catch (const H5::Exception&) {
    }
  }
  kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  REQUIRE(ready);
  CHECK(WIFSIGNALED(st));
  std::vector<std::int64_t> picked;
  {
    H5::H5File f = test::open_h5(out);
    CHECK(test::attr_string(f.openGroup("/"), "status") == "running");
    picked = test::read_i64(f, "/trials/chain:r0/round_2/selected");
    CHECK(picked.size() == 100);
    CHECK(test::read_i64(f, "/trials/chain:r0/round_3/labeled").size() == 500);
  }
  const auto r = alchain_cli("run " + (dir / "long.toml").string() + " -o " + out + " -q --resume");
  CHECK_MESSAGE(r.status == 0, r.output);
  H5::H5File f = test::open_h5(out);
  CHECK(test::attr_string(f.openGroup("/"), "status") == "complete");
  CHECK(test::read_i64(f, "/trials/chain:r0/round_2/selected") == picked);  // kept, not redone differently
  CHECK(f.nameExists("/trials/chain:r1/round_3"));
  CHECK(f.nameExists("/trials/train:gen0:random:r1/round_0"));
}

TEST_CASE("validate refuses what run refuses, with file and position; run writes nothing for them") {
  test::TempDir dir;
  struct Case {
    std::string name, text, message;
  };
  const std::vector<Case> cases = {
      {"budget", "schema = 1\n[dataset]\nplugin = \"fashion_mnist\"\n[budget]\ninitial = 50000\nper_cycle = 6000\n"
                 "cycles = 2\n[[generation]]\nmodel = \"mlp\"\npolicy = \"entropy\"\n",
       ":4:1: budget: the budget needs 62000 labeled samples (initial 50000 + 6000 per cycle), the pool has 60000"},
      {"dropout", "schema = 1\n[dataset]\nplugin = \"fashion_mnist\"\n[[generation]]\nmodel = \"mlp\"\npolicy = \"bald\"\n",
       ":6:10: policy 'bald' needs a model with dropout at inference (MC dropout); model 'gen0' (mlp) has no dropout > 0: "
       "set model_params.dropout > 0"},
      {"windows", "schema = 1\n[dataset]\nplugin = \"fashion_mnist\"\n[assessment]\nmodel = \"mlp\"\noracle = \"confidence\"\n"
                  "window_size = 60000\n",
       ":4:1: assessment: the train split of 'fashion_mnist' has 60000 samples"},
      {"mc_oracle", "schema = 1\n[dataset]\nplugin = \"fashion_mnist\"\n[assessment]\nmodel = \"mlp\"\noracle = \"mc_dropout\"\n",
       ":6:10: assessment.oracle: oracle 'mc_dropout' needs a model with dropout at inference (MC dropout); model 'mlp' has "
       "no dropout > 0: set its dropout parameter > 0 in a [models.mlp] entry"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const auto file = dir / (c.name + ".toml");
    test::write_file(file, c.text);
    const auto v = test::run_cli("validate " + file.string());
    CHECK(v.status == 1);
    CHECK(v.output.find(file.string() + c.message) != std::string::npos);
    CHECK(test::run_cli("validate --syntax-only " + file.string()).status == 0);
    const auto out = dir / (c.name + ".h5");
    const auto r = test::run_cli("run -q " + file.string() + " -o " + out.string());
    CHECK(r.status == 1);
    CHECK(r.output.find(file.string() + c.message) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out));
  }
}

TEST_CASE("a plugin whose factory crashes takes the process down with a note naming its file") {
  test::TempDir dir;
  const auto file = dir / "crash.toml";
  test::write_file(file, "schema = 1\n[dataset]\nplugin = \"fashion_mnist\"\n[[generation]]\nmodel = \"mlp\"\n"
                         "policy = \"fixture_crasher\"\n");
  const auto r = test::run_cli("validate -P " + test::fixture_dir("crashing_factory").string() + " " + file.string());
  CHECK(r.status == 128 + SIGSEGV);
  CHECK(r.output.find("alchain: crashed inside the factory of plugin " + test::fixture_dir("crashing_factory").string()) !=
        std::string::npos);
}
