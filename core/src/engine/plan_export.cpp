// The plan for Snakemake and Slurm: a Snakefile with a rule per trial, and sbatch job arrays
// per dependency level with a merge job and a submit script (docs/cluster.md).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "alchain/engine/cluster.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/util/format.hpp"

namespace alchain {

namespace fs = std::filesystem;

int export_mem_mb(const Trial& t, const PlanCost& cost, const ExportResources& res) {
  if (res.mem_mb > 0) return res.mem_mb;
  const auto it = cost.trial_memory_mb.find(t.id);
  const double estimate = it != cost.trial_memory_mb.end() ? it->second : kProcessBaseMb;
  return static_cast<int>(std::ceil(2 * estimate / 64) * 64);  // twice: activations are not counted
}

int export_time_min(const Trial& t, const PlanCost& cost, const ExportResources& res) {
  if (res.time_min > 0) return res.time_min;
  const auto it = cost.trial_macs.find(t.id);
  const double minutes = (it != cost.trial_macs.end() ? it->second : 0) / (res.gmacs * 1e9) / 60;
  return std::max(10, static_cast<int>(std::ceil(3 * minutes)));
}

namespace {

bool needs_gpu(const PlanExport& how) { return how.device.rfind("cuda", 0) == 0; }

/// Text for a `#` comment line: a line break (a TOML name may hold one) would start a command.
std::string comment(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

/// A Slurm job name: sbatch splits `#SBATCH` lines at blanks and ends them at '#'.
std::string job_name(const std::string& s) {
  std::string out;
  for (const char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return out;
}

/// A Python string literal for the Snakefile; braces would be Snakemake wildcards or format fields.
std::string snake_string(const std::string& s) {
  if (s.find_first_of("{}") != std::string::npos)
    throw std::runtime_error("'" + s + "' has a brace, which Snakemake reads as a wildcard: rename it to export a Snakefile");
  return json_string(s);
}

/// A rule name (a Python identifier) for each trial: its ID with every other character as '_',
/// made unique with a suffix when two IDs differ only there.
std::vector<std::string> rule_names(const Plan& plan) {
  std::vector<std::string> out;
  for (const Trial& t : plan.trials) {
    std::string name;
    for (const char c : t.id) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "t_" + name;
    std::string unique = name;
    for (int k = 2; std::find(out.begin(), out.end(), unique) != out.end() || unique == "all" || unique == "merge"; ++k)
      unique = name + "_" + std::to_string(k);
    out.push_back(unique);
  }
  return out;
}

/// The paths the Snakefile's strings hold, besides the shards: a brace in any is refused by name.
std::vector<std::string> snake_paths(const PlanExport& how) {
  std::vector<std::string> out{how.pipeline, how.output.string()};
  out.insert(out.end(), how.plugin_dirs.begin(), how.plugin_dirs.end());
  return out;
}

std::string shard_of(const std::string& id, const PlanExport& how) {
  return (shard_dir_for(how.output) / (id + ".h5")).string();
}

void write_trial_rule(std::ostream& os, const std::string& rule, const Trial& t, const PlanCost& cost,
                      const PlanExport& how, const ExportResources& res) {
  os << "\nrule " << rule << ":  # " << t.id << "\n";
  const auto deps = trial_dependencies(t);
  if (!deps.empty()) os << "    input:\n";
  for (const auto& d : deps) os << "        " << snake_string(shard_of(d, how)) << ",\n";
  os << "    output: " << snake_string(shard_of(t.id, how)) << "\n    threads: " << how.threads
     << "\n    resources: mem_mb=" << export_mem_mb(t, cost, res) << ", runtime=" << export_time_min(t, cost, res)
     << ", gpu=" << (needs_gpu(how) ? 1 : 0) << "\n    shell: " << snake_string(trial_command(t, how)) << "\n";
}

/// Writes `path` whole: into `path.tmp`, then renamed over it.
void write_file(const fs::path& path, const std::string& text, bool executable) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) throw std::runtime_error(tmp.string() + ": cannot write it");
  }
  if (executable)
    fs::permissions(tmp, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  fs::rename(tmp, path);
}

/// Slurm refuses arrays beyond its MaxArraySize (1001 by default): a level is cut into parts.
constexpr std::size_t kArrayChunk = 1000;
/// The merge job: one process reading every shard and writing one file.
constexpr int kMergeMemMb = 2048, kMergeMinutes = 60;

struct ArrayJob {
  std::string name;  ///< "level0", or "level0_part2" for a level of more than kArrayChunk trials
  int level = 0;
  std::vector<const Trial*> trials;
};

std::vector<ArrayJob> array_jobs(const Plan& plan) {
  const std::vector<int> levels = plan_levels(plan);
  const int depth = levels.empty() ? 0 : *std::max_element(levels.begin(), levels.end()) + 1;
  std::vector<ArrayJob> out;
  for (int l = 0; l < depth; ++l) {
    std::vector<const Trial*> in_level;
    for (std::size_t i = 0; i < plan.trials.size(); ++i)
      if (levels[i] == l) in_level.push_back(&plan.trials[i]);
    const std::size_t parts = (in_level.size() + kArrayChunk - 1) / kArrayChunk;
    for (std::size_t k = 0; k < parts; ++k) {
      ArrayJob job;
      job.level = l;
      job.name = "level" + std::to_string(l) + (parts > 1 ? "_part" + std::to_string(k + 1) : "");
      const auto first = in_level.begin() + static_cast<std::ptrdiff_t>(k * kArrayChunk);
      job.trials.assign(first, first + static_cast<std::ptrdiff_t>(std::min(kArrayChunk, in_level.size() - k * kArrayChunk)));
      out.push_back(job);
    }
  }
  return out;
}

/// The resources of one job (submit.sh gives --output, so the directory may have any name).
std::string sbatch_header(const std::string& name, int threads, int mem_mb, int time_min, bool gpu) {
  return "#!/bin/bash\n#SBATCH --job-name=" + job_name(name) + "\n#SBATCH --cpus-per-task=" + std::to_string(threads) +
         "\n#SBATCH --mem=" + std::to_string(mem_mb) + "M\n#SBATCH --time=" + std::to_string(time_min) + "\n" +
         (gpu ? "#SBATCH --gres=gpu:1\n" : "");
}

std::string array_script(const ArrayJob& job, const Plan& plan, const PlanCost& cost, const PlanExport& how,
                         const ExportResources& res) {
  int mem = 0, minutes = 0;
  for (const Trial* t : job.trials) {
    mem = std::max(mem, export_mem_mb(*t, cost, res));
    minutes = std::max(minutes, export_time_min(*t, cost, res));
  }
  std::ostringstream s;
  s << sbatch_header("alchain-" + plan.name + "-" + job.name, how.threads, mem, minutes, needs_gpu(how));
  s << "#SBATCH --array=0-" << job.trials.size() - 1 << "%" << std::max(1, res.max_running) << "\n";
  s << "# Dependency level " << job.level << " of the plan " << comment(plan.name) << " (fingerprint " << plan.fingerprint
    << "): " << job.trials.size() << " trial" << (job.trials.size() == 1 ? "" : "s") << ", one array task each.\n"
    << "# Made by: " << comment(res.invocation) << "\n# Submit with submit.sh (it chains the levels); a finished trial says\n"
    << "# 'done already' and ends at once, so resubmitting after a failure redoes only what is missing.\n"
    << "set -euo pipefail\ntrials=(\n";
  for (const Trial* t : job.trials) s << "  " << shell_word(t->id) << "\n";
  s << ")\nexec alchain run " << shell_word(how.pipeline) << " -o " << shell_word(how.output.string())
    << " --trial \"${trials[$SLURM_ARRAY_TASK_ID]}\" --threads " << how.threads;
  for (const auto& d : how.plugin_dirs) s << " -P " << shell_word(d);
  s << "\n";
  return s.str();
}

std::string submit_script(const std::vector<ArrayJob>& jobs, const Plan& plan, const PlanExport& how,
                          const ExportResources& res) {
  std::ostringstream s;
  s << "#!/usr/bin/env bash\n# Submits the plan " << comment(plan.name) << " (fingerprint " << plan.fingerprint << ", "
    << plan.trials.size() << " trials) to Slurm: one job array per dependency level, each\n"
    << "# starting when the one before has succeeded (afterok), then the merge into " << comment(how.output.string())
    << ".\n# Made by: " << comment(res.invocation) << "\n"
    << "# Usage: submit.sh [sbatch options for every job, e.g. --partition=gpu --account=lab]\n"
    << "# Before submitting again after a failure, let the earlier jobs end (squeue --me) or scancel them.\n"
    << "set -euo pipefail\nhere=\"$(cd -- \"$(dirname -- \"${BASH_SOURCE[0]}\")\" > /dev/null && pwd)\"\nworkdir="
    << shell_word(res.workdir) << "  # the commands' paths are relative to it\nmkdir -p \"$here/logs\"\n"
    << "# sbatch's job ID (without ';cluster'); a failed or silent sbatch stops the script.\n"
    << "submit() {\n  local out\n  out=$(sbatch --parsable --chdir=\"$workdir\" \"$@\") || return 1\n"
    << "  [[ -n $out ]] || return 1\n  printf '%s\\n' \"${out%%;*}\"\n}\n"
    << "all=\"\"\nprevious=\"\"\n";
  int level = -1;
  for (const ArrayJob& job : jobs) {
    if (job.level != level) {  // a level waits for every part of the one before
      if (level >= 0) s << "previous=\"$this_level\"\n";
      s << "this_level=\"\"\n";
      level = job.level;
    }
    s << "id=$(submit \"$@\" --output=\"$here/logs/%x_%A_%a.out\" ${previous:+\"--dependency=afterok$previous\"} "
      << "\"$here/" << job.name << ".sbatch\")\n"
      << "echo \"" << job.name << ": job $id (" << job.trials.size() << " trials)\"\n"
      << "this_level=\"$this_level:$id\"\nall=\"$all:$id\"\n";
  }
  s << "id=$(submit \"$@\" --output=\"$here/logs/%x_%j.out\" \"--dependency=afterok$all\" \"$here/merge.sbatch\")\n"
    << "printf 'merge: job %s, into %s; watch with squeue --me, logs in %s/logs/\\n' \"$id\" "
    << shell_word(how.output.string()) << " \"$here\"\n";
  return s.str();
}

}  // namespace

void write_snakefile(std::ostream& os, const Plan& plan, const PlanCost& cost, const PlanExport& how,
                     const ExportResources& res) {
  const std::vector<int> levels = plan_levels(plan);
  const int depth = levels.empty() ? 0 : *std::max_element(levels.begin(), levels.end()) + 1;
  for (const std::string& path : snake_paths(how)) snake_string(path);  // refused before anything is printed
  os << "# Snakefile of the alchain plan " << comment(plan.name) << " (fingerprint " << plan.fingerprint << "): "
     << plan.trials.size() << " trials in " << depth << " dependency levels, then the merge.\n"
     << "# Made by: " << comment(res.invocation) << "\n"
     << "# Run it in the directory it was made in (the paths are relative to it), for example\n"
     << "#   snakemake --cores 8 --rerun-incomplete\n"
     << "# Every trial runs with --threads " << how.threads << " whatever --cores is: its numbers depend on it.\n"
     << "# After a failure, the same command redoes only the trials without a shard (docs/cluster.md).\n"
     << "\nlocalrules: all, merge\n\nrule all:\n    input: " << snake_string(how.output.string()) << "\n"
     << "\nrule merge:\n    input:\n";
  for (const Trial& t : plan.trials) os << "        " << snake_string(shard_of(t.id, how)) << ",\n";
  os << "    output: " << snake_string(how.output.string()) << "\n    shell: " << snake_string(merge_command(how))
     << "\n";
  const std::vector<std::string> rules = rule_names(plan);
  for (std::size_t i = 0; i < plan.trials.size(); ++i) write_trial_rule(os, rules[i], plan.trials[i], cost, how, res);
}

std::vector<fs::path> write_slurm_scripts(const fs::path& dir_in, const Plan& plan, const PlanCost& cost,
                                          const PlanExport& how, const ExportResources& res) {
  const fs::path dir = fs::absolute(dir_in);
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (ec) throw std::runtime_error((dir / "logs").string() + ": cannot create it: " + ec.message());
  const std::vector<ArrayJob> jobs = array_jobs(plan);
  std::vector<fs::path> written;
  for (const ArrayJob& job : jobs) {
    written.push_back(dir / (job.name + ".sbatch"));
    write_file(written.back(), array_script(job, plan, cost, how, res), false);
  }
  std::string merge = sbatch_header("alchain-" + plan.name + "-merge", 1, kMergeMemMb, kMergeMinutes, false);
  merge += "# The merge of every trial's shard into the result file, after the last level.\nset -euo pipefail\nexec " +
           merge_command(how) + "\n";
  written.push_back(dir / "merge.sbatch");
  write_file(written.back(), merge, false);
  written.push_back(dir / "submit.sh");
  write_file(written.back(), submit_script(jobs, plan, how, res), true);
  return written;
}

}  // namespace alchain
