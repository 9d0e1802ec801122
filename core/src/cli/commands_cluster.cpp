// The commands for running a plan on other engines (docs/cluster.md): the plan as data
// (`plan --format json|lines`), `merge` of the trials' shards, and `export snakemake|slurm`.
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "alchain/engine/cluster.hpp"
#include "alchain/engine/experiment.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/run/process_tuning.hpp"
#include "cli_common.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace alchain::cli {

namespace {

/// How `plan --format json|lines` and `export` write the trials' commands.
PlanExport plan_export_of(const po::variables_map& vm, const Pipeline& p) {
  PlanExport how;
  how.pipeline = vm["pipeline"].as<std::string>();
  how.output = output_of(vm, p);
  // As run resolves it (0 = every core of this machine): the number every trial is run with.
  how.threads = set_compute_threads(vm.count("threads") ? vm["threads"].as<int>() : p.run.threads);
  how.device = p.run.device;
  how.plugin_dirs = plugin_dirs(vm);
  return how;
}

}  // namespace

int print_plan_as(const po::variables_map& vm, const Pipeline& p, const PluginRegistry& registry,
                  const std::string& format) {
  if (p.assessment.present) throw po::error("--format " + format + " lists the trials of an experiment or chain; an assessment has none");
  const PlanExport how = plan_export_of(vm, p);
  const Plan plan = plan_for(p, registry);
  if (format == "lines") print_plan_lines(std::cout, plan, how);
  else print_plan_json(std::cout, plan, estimate_cost(p, plan, registry), how);
  return 0;
}

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description o("alchain merge PIPELINE -o RESULTS [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "pipeline file")(
      "output,o", po::value<std::string>(), "result file; its trials are read from <output>.trials/ (default: results/<name>.h5)")(
      "partial", "merge the trials that are there; the file's status says how many")(
      "threads,j", po::value<int>(), "compute threads every trial must have run with (default: as the shards say)");
  int rc = 0;
  const auto parsed = parse_command(
      args, o, "pipeline", 1, {},
      "Builds the result file from the shards that 'alchain run PIPELINE -o RESULTS --trial ID' wrote, with\n"
      "the rebuild of 'run --resume': equal to a local run of the plan at the same threads per trial.\n"
      "Every shard must be of this plan and thread count. Missing trials are listed and nothing is\n"
      "written, unless --partial. The shards stay; an existing result file is replaced only by a\n"
      "whole new one, and never when it is of another plan.\n",
      rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  const Pipeline p = load_pipeline(vm["pipeline"].as<std::string>(), registry);
  if (p.assessment.present) throw po::error("an assessment pipeline has no trials to merge");
  MergeCommand c;
  c.output = output_of(vm, p);
  c.partial = vm.count("partial") != 0;
  if (vm.count("threads")) c.threads = vm["threads"].as<int>();
  const MergeOutcome out = merge_results(p, registry, c);
  if (out.complete_already)
    std::cout << "alchain: " << c.output.string() << " is complete already; nothing to merge\n";
  else
    std::cout << "alchain: merged " << out.merged << " of " << out.planned << " trials (" << out.trial_threads
              << " threads each) from " << shard_dir_for(c.output).string() << "/ into " << c.output.string() << " ("
              << (out.merged == out.planned ? "complete" : "partial") << ")\n";
  return 0;
}

/// `export snakemake|slurm`: the plan as a Snakefile, or as sbatch job arrays (docs/cluster.md).
namespace {

/// The exports' resources from the options; out-of-range values are refused, not clamped.
ExportResources export_resources_of(const po::variables_map& vm, const std::string& engine,
                                    const std::vector<std::string>& args) {
  if (engine != "slurm" && (vm.count("dir") || !vm["max-running"].defaulted()))
    throw po::error("--dir and --max-running are options of 'export slurm'");
  if (engine == "slurm" && !vm.count("dir")) throw po::error("export slurm needs --dir D, where the scripts go");
  ExportResources res;
  res.gmacs = vm["speed"].as<double>();
  res.mem_mb = vm["mem-mb"].as<int>();
  res.time_min = vm["time-min"].as<int>();
  res.max_running = vm["max-running"].as<int>();
  if (!(res.gmacs >= 0.001 && res.gmacs <= 1e9)) throw po::error("--speed must be a throughput in GMAC/s, from 0.001");
  if (res.mem_mb < 0 || res.time_min < 0) throw po::error("--mem-mb and --time-min must be >= 0 (0: the estimate)");
  if (res.max_running < 1) throw po::error("--max-running must be at least 1");
  res.workdir = fs::current_path().string();
  res.invocation = "alchain export " + engine;
  for (const auto& a : args) res.invocation += " " + shell_word(a);
  return res;
}

/// A Slurm task with --gres=gpu:1 sees its GPU as cuda:0: another index would be refused by every task.
void check_slurm_devices(const Pipeline& p) {
  std::vector<std::string> devices = p.run.devices;
  if (devices.empty()) devices.push_back(p.run.device);
  for (const auto& d : devices)
    if (d.rfind("cuda:", 0) == 0 && d != "cuda:0")
      throw std::runtime_error(p.path + ": run.device" + std::string(p.run.devices.empty() ? "" : "s") + " '" + d +
                               "': a Slurm task with --gres=gpu:1 sees its GPU as cuda:0; use device = \"cuda\"");
}

}  // namespace

int cmd_export(const std::vector<std::string>& args) {
  po::options_description o("alchain export snakemake|slurm PIPELINE -o RESULTS [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "pipeline file")(
      "output,o", po::value<std::string>(), "result file the trials and the merge write (default: results/<name>.h5)")(
      "threads,j", po::value<int>(), "compute threads per trial (default: the pipeline's run.threads; 0 = every core here)")(
      "dir", po::value<std::string>(), "slurm: the directory for the sbatch scripts, submit.sh and logs/")(
      "max-running", po::value<int>()->default_value(16), "slurm: tasks of one job array running at once (%M)")(
      "mem-mb", po::value<int>()->default_value(0), "memory per trial in MB (default: twice the plan's estimate)")(
      "time-min", po::value<int>()->default_value(0),
      "time limit per trial in minutes (default: 3 x the estimate at --speed, at least 10)")(
      "speed", po::value<double>()->default_value(60.0), "assumed GMAC/s of one trial, for the time limit");
  const bool help_only = args.empty() || args[0] == "--help" || args[0] == "-h";
  const std::string engine = help_only ? "" : args[0];
  if (!help_only && engine != "snakemake" && engine != "slurm")
    throw po::error("export to snakemake or slurm, not '" + engine + "' (GNU parallel: alchain plan --format lines)");
  int rc = 0;
  const std::vector<std::string> rest(args.begin() + (help_only ? 0 : 1), args.end());
  const auto parsed = parse_command(
      help_only ? std::vector<std::string>{"--help"} : rest, o, "pipeline", 1, {},
      "  snakemake  prints a Snakefile: a rule per trial (its dependencies' shards in, its shard out,\n"
      "             threads, resources mem_mb, runtime, gpu) and a rule that merges; run it with\n"
      "             'snakemake --cores N --rerun-incomplete' or a Snakemake cluster profile, in this directory\n"
      "  slurm      writes --dir D: an sbatch job array per dependency level, a merge job, and\n"
      "             D/submit.sh, which submits them chained with afterok, to run in this directory\n"
      "The paths in them are as given here; the commands call alchain from PATH (docs/cluster.md).\n",
      rc);
  if (help_only) return args.empty() ? 2 : 0;
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  const ExportResources res = export_resources_of(vm, engine, rest);
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  const Pipeline p = load_pipeline(vm["pipeline"].as<std::string>(), registry);
  if (p.assessment.present) throw po::error("an assessment pipeline has no trials to export");
  if (engine == "slurm") check_slurm_devices(p);
  const PlanExport how = plan_export_of(vm, p);
  const Plan plan = plan_for(p, registry);
  const PlanCost cost = estimate_cost(p, plan, registry);
  if (engine == "snakemake") {
    std::ostringstream snakefile;  // printed whole, or not at all
    write_snakefile(snakefile, plan, cost, how, res);
    std::cout << snakefile.str();
    return 0;
  }
  const auto files = write_slurm_scripts(vm["dir"].as<std::string>(), plan, cost, how, res);
  std::cout << "alchain: wrote " << files.size() << " files for " << plan.trials.size() << " trials; submit with "
            << files.back().string() << "\n";
  return 0;
}

}  // namespace alchain::cli
