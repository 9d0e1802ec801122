// The cluster building blocks through the CLI: plan --format lines/json, run --trial (its
// refusals and idempotence) and merge (missing trials, --partial), merged equal to a local run.

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "h5_read.hpp"
#include "test_paths.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

const char* const kMatrix = alchain::test::kSmallMatrix;  // 8 level-0 trials and 4 train trials on picks

using Cli = alchain::test::CliResult;

Cli cli(const std::string& args) { return alchain::test::run_cli(args); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// The pipeline file in `dir`, with `epochs = 2` replaced by `epochs` (another plan).
fs::path write_pipeline(const alchain::test::TempDir& dir, const std::string& name, int epochs = 2) {
  std::string text = kMatrix;
  text.replace(text.find("epochs = 2"), 10, "epochs = " + std::to_string(epochs));
  const fs::path p = dir / name;
  alchain::test::write_file(p, text);
  return p;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

/// The value of `"fingerprint": "..."` in `plan --format json`.
std::string fingerprint_of(const std::string& json) {
  const std::string key = "\"fingerprint\": \"";
  const auto at = json.find(key);
  REQUIRE(at != std::string::npos);
  return json.substr(at + key.size(), 16);
}

/// tools/compare_results.py: every non-timing dataset and attribute equal.
bool same_results(const fs::path& a, const fs::path& b) {
  const Cli r = alchain::test::run_shell("/usr/bin/python3 " + (alchain::test::source_dir() / "tools/compare_results.py").string() +
                                         " " + a.string() + " " + b.string());
  INFO(r.output);
  return r.status == 0;
}

std::string trial(const fs::path& pipe, const fs::path& out, const std::string& id, const std::string& more = "") {
  return "run " + pipe.string() + " -o " + out.string() + " --trial " + id + " " + more;
}

}  // namespace

TEST_CASE("plan --format lines run one by one with run --trial, then merge, equal a local run") {
  alchain::test::TempDir dir;
  const fs::path pipe = write_pipeline(dir, "m.toml"), local = dir / "local.h5", out = dir / "out.h5";
  Cli r = cli("run " + pipe.string() + " -o " + local.string() + " -q");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  r = cli("plan " + pipe.string() + " -o " + out.string() + " --format lines");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  const std::vector<std::string> lines = lines_of(r.output);
  CHECK(lines.front() == "# level 0: 8 trials");
  CHECK(std::count(lines.begin(), lines.end(), "") == 1);  // one blank line: between the two levels
  CHECK(std::count(lines.begin(), lines.end(), "# level 1: 4 trials") == 1);
  int commands = 0;
  for (const std::string& l : lines) {
    if (l.empty() || l[0] == '#') continue;
    REQUIRE(l.rfind("alchain run ", 0) == 0);
    CHECK(contains(l, " --threads 1"));
    const Cli t = alchain::test::run_shell(std::string(alchain::test::kAlchainExe) + l.substr(7));
    REQUIRE_MESSAGE(t.status == 0, l << "\n" << t.output);
    ++commands;
  }
  CHECK(commands == 12);
  CHECK_FALSE(fs::exists(out));  // a trial writes its shard, nothing else
  r = cli("merge " + pipe.string() + " -o " + out.string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(contains(r.output, "merged 12 of 12 trials"));
  CHECK(same_results(local, out));
  H5::H5File f = alchain::test::open_h5(out.string());
  CHECK(alchain::test::attr_string(f.openGroup("/"), "status") == "complete");
  CHECK(fs::exists(out.string() + ".trials"));  // the shards stay

  // A second merge of a complete file changes nothing.
  const std::string before = alchain::test::read_file(out);
  r = cli("merge " + pipe.string() + " -o " + out.string());
  CHECK(r.status == 0);
  CHECK(contains(r.output, "complete already"));
  CHECK(alchain::test::read_file(out) == before);
}

TEST_CASE("run --trial refuses a missing dependency, a shard of another plan and another thread count") {
  alchain::test::TempDir dir;
  const fs::path pipe = write_pipeline(dir, "m.toml"), other = write_pipeline(dir, "other.toml", 3);
  const fs::path out = dir / "out.h5", shards = dir / "out.h5.trials";
  Cli r = cli(trial(pipe, out, "train:narrow:wide:entropy:r0"));
  CHECK(r.status == 1);
  CHECK(contains(r.output, (shards / "select:wide:entropy:r0.h5").string() + ": missing"));
  CHECK(contains(r.output, "--trial select:wide:entropy:r0"));
  CHECK_FALSE(fs::exists(shards / "train:narrow:wide:entropy:r0.h5"));

  r = cli(trial(pipe, out, "select:wide:entropy:r0"));
  REQUIRE_MESSAGE(r.status == 0, r.output);
  const std::string fp = fingerprint_of(cli("plan " + pipe.string() + " --format json").output);
  const std::string fp_other = fingerprint_of(cli("plan " + other.string() + " --format json").output);
  REQUIRE(fp != fp_other);
  r = cli(trial(other, out, "select:narrow:entropy:r0"));
  CHECK(r.status == 1);
  CHECK(contains(r.output, (shards / "select:wide:entropy:r0.h5").string()));
  CHECK(contains(r.output, "another plan"));
  CHECK(contains(r.output, fp));
  CHECK(contains(r.output, fp_other));
  CHECK_FALSE(fs::exists(shards / "select:narrow:entropy:r0.h5"));

  r = cli(trial(pipe, out, "select:narrow:entropy:r0", "--threads 2"));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "ran with 1 compute threads"));
  CHECK(contains(r.output, "would use 2"));
  CHECK(contains(r.output, "--threads 1"));
  CHECK_FALSE(fs::exists(shards / "select:narrow:entropy:r0.h5"));

  // Now the dependency is there: the train trial runs.
  r = cli(trial(pipe, out, "train:narrow:wide:entropy:r0"));
  CHECK_MESSAGE(r.status == 0, r.output);
  CHECK(fs::exists(shards / "train:narrow:wide:entropy:r0.h5"));
}

TEST_CASE("run --trial of a finished trial does nothing and leaves its shard as it was") {
  alchain::test::TempDir dir;
  const fs::path pipe = write_pipeline(dir, "m.toml"), out = dir / "out.h5";
  const fs::path shard = dir / "out.h5.trials" / "train:wide:random:r0.h5";
  Cli r = cli(trial(pipe, out, "train:wide:random:r0"));
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(contains(r.output, "done in"));
  const std::string bytes = alchain::test::read_file(shard);
  const auto mtime = fs::last_write_time(shard);
  r = cli(trial(pipe, out, "train:wide:random:r0"));
  CHECK(r.status == 0);
  CHECK(contains(r.output, "is done already"));
  CHECK(alchain::test::read_file(shard) == bytes);
  CHECK(fs::last_write_time(shard) == mtime);
  CHECK_FALSE(fs::exists(out));

  // A second process on a trial that is being written is refused, not interleaved with it.
  const fs::path log = dir / "first.log", tmp = dir / "out.h5.trials" / "train:narrow:random:r0.h5.tmp";
  const Cli bg = alchain::test::run_shell("ALCHAIN_FAULT=shard-tmp:1:stop " + std::string(alchain::test::kAlchainExe) +
                                          " " + trial(pipe, out, "train:narrow:random:r0") + " > " + log.string() +
                                          " 2>&1 & echo $!");
  const int pid = std::stoi(bg.output);
  for (int i = 0; i < 600 && !fs::exists(tmp); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(fs::exists(tmp));  // the first writer is stopped before its rename
  r = cli(trial(pipe, out, "train:narrow:random:r0"));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "another alchain run is writing this file"));
  ::kill(pid, SIGCONT);
  for (int i = 0; i < 600 && fs::exists(tmp); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  r = cli(trial(pipe, out, "train:narrow:random:r0"));
  CHECK(r.status == 0);
  CHECK(contains(r.output, "is done already"));
}

TEST_CASE("merge refuses missing trials by name; merge --partial writes what is there") {
  alchain::test::TempDir dir;
  const fs::path pipe = write_pipeline(dir, "m.toml"), out = dir / "out.h5";
  Cli r = cli("merge " + pipe.string() + " -o " + out.string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "no trial shards"));
  for (const std::string id : {"select:wide:entropy:r0", "train:wide:random:r0"}) {
    r = cli(trial(pipe, out, id, "-q"));
    REQUIRE_MESSAGE(r.status == 0, r.output);
  }
  r = cli("merge " + pipe.string() + " -o " + out.string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "10 of 12 trials have no shard"));
  CHECK(contains(r.output, "train:narrow:wide:entropy:r0"));
  CHECK(contains(r.output, "select:narrow:entropy:r1"));
  CHECK_FALSE(contains(r.output, "train:wide:random:r0,"));
  CHECK_FALSE(fs::exists(out));

  r = cli("merge " + pipe.string() + " -o " + out.string() + " --partial");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(contains(r.output, "merged 2 of 12 trials"));
  {
    H5::H5File f = alchain::test::open_h5(out.string());
    CHECK(alchain::test::attr_string(f.openGroup("/"), "status") == "partial: 2 of 12 trials merged");
    CHECK(f.openGroup("/trials").getNumObjs() == 2);
  }
  r = cli("summary " + out.string());
  CHECK_MESSAGE(r.status == 0, r.output);

  // A merge for another plan does not touch the file.
  const std::string before = alchain::test::read_file(out);
  r = cli("merge " + write_pipeline(dir, "other.toml", 3).string() + " -o " + out.string() + " --partial");
  CHECK(r.status == 1);
  CHECK(contains(r.output, "another plan"));
  CHECK(alchain::test::read_file(out) == before);
}

TEST_CASE("run --trial: an unknown trial lists the IDs; --jobs, --resume and --overwrite are refused") {
  alchain::test::TempDir dir;
  const fs::path pipe = write_pipeline(dir, "m.toml"), out = dir / "out.h5";
  Cli r = cli(trial(pipe, out, "select:wide:entropy"));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "unknown trial 'select:wide:entropy'"));
  CHECK(contains(r.output, "select:wide:entropy:r0"));
  CHECK(contains(r.output, "alchain plan " + pipe.string() + " --format lines"));
  for (const std::string more : {"--jobs 2", "--resume", "--overwrite"}) {
    r = cli(trial(pipe, out, "select:wide:entropy:r0", more));
    CHECK(r.status == 2);
    CHECK(contains(r.output, "--trial runs one trial"));
  }
  CHECK_FALSE(fs::exists(dir / "out.h5.trials"));
}

TEST_CASE("plan --format json gives every trial with its level, dependencies, cost, threads and device") {
  alchain::test::TempDir dir;
  const fs::path pipe = write_pipeline(dir, "m.toml");
  Cli r = cli("plan " + pipe.string() + " --format json --threads 3 -o " + (dir / "o.h5").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  const std::string& j = r.output;
  CHECK(contains(j, "\"schema\": 1"));
  CHECK(contains(j, "\"plan\": \"small_matrix\""));
  CHECK(contains(j, "\"trial_threads\": 3"));
  CHECK(contains(j, "\"levels\": 2"));
  CHECK(contains(j, "{\"id\": \"train:narrow:wide:entropy:r0\", \"kind\": \"train\", \"level\": 1, "
                    "\"dependencies\": [\"select:wide:entropy:r0\"]"));
  CHECK(contains(j, "\"device\": \"cpu\""));
  CHECK(contains(j, "--trial select:wide:entropy:r0 --threads 3"));
  const Cli py = alchain::test::run_shell("echo '" + j + "' | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); "
                                          "print(len(d[\"trials\"]), all(t[\"multiply_adds\"] > 0 and t[\"memory_mb\"] >= 512 "
                                          "for t in d[\"trials\"]))'");
  CHECK(py.output == "12 True\n");
  r = cli("plan " + pipe.string() + " --format yaml");
  CHECK(r.status == 2);
}

TEST_CASE("export snakemake and slurm: a rule or array task per trial, dependencies, resources; bad input refused") {
  alchain::test::TempDir dir;
  const fs::path pipe = write_pipeline(dir, "m.toml");
  const std::string out = (dir / "o.h5").string();
  Cli r = cli("export snakemake " + pipe.string() + " -o " + out + " --threads 2 --mem-mb 3000");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  const std::string& snake = r.output;
  CHECK(contains(snake, "rule all:\n    input: \"" + out + "\""));
  CHECK(contains(snake, "    shell: \"alchain merge " + pipe.string() + " -o " + out + " --threads 2\""));
  CHECK(contains(snake, "rule train_narrow_wide_entropy_r0:  # train:narrow:wide:entropy:r0\n    input:\n        \"" +
                            out + ".trials/select:wide:entropy:r0.h5\",\n    output: \"" + out +
                            ".trials/train:narrow:wide:entropy:r0.h5\"\n    threads: 2\n    resources: mem_mb=3000, runtime=10, gpu=0\n"));
  CHECK(std::count(snake.begin(), snake.end(), '#') > 0);
  std::size_t rules = 0;
  for (const auto& l : lines_of(snake)) rules += l.rfind("rule ", 0) == 0;
  CHECK(rules == 12 + 2);  // a rule per trial, merge and all
  // A pipeline on CUDA exports from a machine without a GPU (a login node): one GPU per trial.
  std::string text = alchain::test::read_file(pipe);
  text.replace(text.find("threads = 1"), 11, "threads = 1\ndevice = \"cuda\"");
  alchain::test::write_file(dir / "gpu.toml", text);
  r = cli("export slurm " + (dir / "gpu.toml").string() + " -o " + out + " --dir " + (dir / "jobs").string() +
          " --max-running 3 --time-min 90");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  const std::string level1 = alchain::test::read_file(dir / "jobs/level1.sbatch");
  CHECK(contains(level1, "#SBATCH --array=0-3%3\n"));
  CHECK(contains(level1, "#SBATCH --gres=gpu:1\n"));
  CHECK(contains(level1, "#SBATCH --time=90\n"));
  CHECK(contains(level1, "#SBATCH --cpus-per-task=1\n"));
  CHECK(contains(level1, "  train:narrow:wide:entropy:r0\n"));
  CHECK(contains(level1, "--trial \"${trials[$SLURM_ARRAY_TASK_ID]}\" --threads 1"));
  const std::string submit = alchain::test::read_file(dir / "jobs/submit.sh");
  CHECK(contains(submit, "level1.sbatch"));
  CHECK(contains(submit, "\"--dependency=afterok$all\" \"$here/merge.sbatch\""));
  CHECK(contains(submit, "${previous:+\"--dependency=afterok$previous\"} \"$here/level1.sbatch\""));
  CHECK((fs::status(dir / "jobs/submit.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
  r = cli("export snakemake " + (dir / "gpu.toml").string() + " -o " + out);
  CHECK(contains(r.output, "gpu=1"));
  // Bad input: an unknown engine, slurm without --dir, a path Snakemake would read as a wildcard.
  r = cli("export airflow " + pipe.string());
  CHECK(r.status == 2);
  CHECK(contains(r.output, "snakemake or slurm, not 'airflow'"));
  r = cli("export slurm " + pipe.string() + " -o " + out);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "--dir"));
  r = cli("export snakemake " + pipe.string() + " -o " + (dir / "{x}.h5").string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "'" + (dir / "{x}.h5").string() + "' has a brace, which Snakemake reads as a wildcard"));
  CHECK(!contains(r.output, "rule all"));  // nothing of the Snakefile printed
  r = cli("export snakemake " + pipe.string() + " --max-running 4");
  CHECK(r.status == 2);
  r = cli("export slurm " + pipe.string() + " --dir " + (dir / "j2").string() + " --speed 0");
  CHECK(r.status == 2);
  CHECK(contains(r.output, "--speed"));
  // A Slurm task sees its one GPU as cuda:0: another index would fail in every task.
  text.replace(text.find("device = \"cuda\""), 15, "device = \"cuda:1\"");
  alchain::test::write_file(dir / "gpu1.toml", text);
  r = cli("export slurm " + (dir / "gpu1.toml").string() + " --dir " + (dir / "j3").string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "'cuda:1': a Slurm task with --gres=gpu:1 sees its GPU as cuda:0"));
  CHECK(!fs::exists(dir / "j3"));
}
