// The alchain command line: run, plan, summary, analyze, report, validate, plugins (and worker, for
// --jobs); data and models are in commands_inspect.cpp.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "alchain/daic/cycle.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_registry.hpp"
#include "alchain/run/interrupt.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/communicator.hpp"
#include "alchain/run/world.hpp"
#include "alchain/engine/cluster.hpp"
#include "alchain/engine/experiment.hpp"
#include "alchain/engine/ranks.hpp"
#include "alchain/engine/trial_runner.hpp"
#include "alchain/plan/plan.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/results/summary.hpp"
#include "alchain/results/transfer.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/util/clock.hpp"
#include "alchain/version.hpp"
#include "cli_common.hpp"
#include "report_paths.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace alchain;

namespace alchain::cli {

po::options_description common_options() {
  po::options_description o("common options");
  o.add_options()("help,h", "show this help")(
      "plugin-path,P", po::value<std::vector<std::string>>()->composing(),
      "directory to search for plugins first (repeatable)");
  return o;
}

std::optional<po::variables_map> parse_command(const std::vector<std::string>& args, const po::options_description& o,
                                               const char* positional, int count,
                                               const std::vector<std::string>& required, const std::string& about,
                                               int& exit_code) {
  po::positional_options_description pos;
  pos.add(positional, count);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(o).positional(pos).run(), vm);
  bool missing = !vm.count(positional);
  for (const auto& r : required) missing = missing || !vm.count(r);
  if (vm.count("help") || missing) {
    std::cout << o << "\n" << about;
    exit_code = vm.count("help") ? 0 : 2;
    return std::nullopt;
  }
  return vm;
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

std::vector<std::string> plugin_dirs(const po::variables_map& vm) {
  return vm.count("plugin-path") ? vm["plugin-path"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

/// Default result file of a pipeline: results/<name>.h5, or -o.
fs::path output_of(const po::variables_map& vm, const Pipeline& p) {
  return vm.count("output") ? fs::path(vm["output"].as<std::string>()) : fs::path("results") / (p.name + ".h5");
}

}  // namespace alchain::cli

namespace {

using cli::common_options;
using cli::load_plugins;
using cli::parse_command;
using cli::output_of;
using cli::plugin_dirs;

const char* kUsage = R"(alchain: active learning across model generations

usage: alchain <command> [options]

commands:
  run PIPELINE        run a pipeline (a chain, a matrix or an assessment) and write its results to HDF5
  plan PIPELINE       print the trials a pipeline expands to and their cost, run nothing
                      (--format json|lines: as data, or one 'run --trial' command per trial)
  merge PIPELINE -o F build the result file from the trials' shards (after 'run --trial')
  export snakemake|slurm PIPELINE
                      the plan as a Snakefile, or as Slurm job arrays with a submit script
  summary RESULTS     the table of a result file: mean ± sd per cell, paired differences to random
                      (an assessment's file: its per-window table)
  analyze RESULTS     transferability of picks between surrogates: rank correlation, overlap
  report RESULTS -o D figures (PNG, SVG), report.html and report.md of a result file
  validate PIPELINE.. check pipelines (syntax, schema, plugins, plugin parameters)
  data PIPELINE       the pipeline's dataset: split sizes, classes, samples or pixels per class
  models [PIPELINE]   parameters, multiply-adds, GOPs and fleet latency of every model (or a pipeline's)
  plugins             list the plugins found (kind, name, version, ABI, file)

  alchain <command> --help   options of a command
  alchain --version          version, plugin ABI and build fingerprint

Plugins are searched in --plugin-path directories, then $ALCHAIN_PLUGIN_PATH
(':'-separated), then the plugins shipped with alchain.
)";

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
  o.add_options()("pipeline", po::value<std::vector<std::string>>(), "pipeline files")(
      "syntax-only", "check the file and the plugins' declarations only: do not load the dataset or create plugins");
  int rc = 0;
  const auto parsed = parse_command(
      args, o, "pipeline", -1, {},
      "Prints every problem as file:line:column: message; exits 1 if any. Unless\n"
      "--syntax-only, it also does every check 'run' does before it writes anything: loads\n"
      "the dataset (the budget against the pool), creates every model, policy and oracle once.\n",
      rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  int status = 0;
  for (const auto& file : vm["pipeline"].as<std::vector<std::string>>()) {
    try {
      const Pipeline p = load_pipeline(file, registry);
      if (!vm.count("syntax-only")) {
        Diagnostics diags(file);
        if (p.assessment.present) check_assessment_runnable(p, registry, diags);
        else check_runnable(p, registry, diags);
        if (!diags.empty()) throw InputError(diags);
      }
      std::cout << file << ": ok\n";
    } catch (const InputError& e) {
      std::cerr << e.what() << "\n";
      status = 1;
    }
  }
  return status;
}

/// `run --trial ID`: one trial into its shard, or nothing when it is there already.
int run_trial(const po::variables_map& vm, const Pipeline& p, const PluginRegistry& registry, Communicator* comm) {
  if (p.assessment.present) throw po::error("--trial runs a trial of an experiment or chain; an assessment has none");
  TrialCommand c;
  c.output = output_of(vm, p);
  c.trial = vm["trial"].as<std::string>();
  c.verbose = vm.count("verbose") != 0;
  c.comm = comm;
  if (vm.count("threads")) c.threads = vm["threads"].as<int>();
  const TrialCommandOutcome out = run_trial_command(p, registry, c);
  if (!out.ran)
    std::cout << "alchain: trial " << c.trial << " is done already (" << out.shard.string()
              << ", this plan and thread count); nothing to run\n";
  else
    std::cout << "alchain: trial " << c.trial << " done in " << static_cast<long>(out.seconds + 0.5) << " s with "
              << out.threads << " threads: " << out.shard.string() << "\n";
  return 0;
}

int run_assessment_command(const po::variables_map& vm, const Pipeline& p, const PluginRegistry& registry) {
  if (vm.count("resume")) throw po::error("an assessment pipeline cannot be resumed yet; its finished windows stay in the file");
  if (vm["jobs"].as<int>() != 1) throw po::error("an assessment pipeline runs its windows in order: --jobs must be 1");
  AssessmentOptions ao;
  ao.output = output_of(vm, p);
  ao.overwrite = vm.count("overwrite") != 0;
  ao.quiet = vm.count("quiet") != 0;
  ao.verbose = vm.count("verbose") != 0;
  if (vm.count("threads")) ao.threads = vm["threads"].as<int>();
  const AssessmentOutcome out = run_assessment(p, registry, ao);
  print_assessment(std::cout, out);
  std::cout << "\nresults: " << out.output.string() << "  (" << static_cast<long>(out.seconds + 0.5) << " s, "
            << out.rows.size() << " windows, " << out.threads << " threads)\n";
  return 0;
}

int run_plan_command(const po::variables_map& vm, const Pipeline& p, const PluginRegistry& registry, Communicator* comm) {
  const SummaryFormat format = parse_summary_format(vm["format"].as<std::string>());
  RunOptions ro;
  ro.output = output_of(vm, p);
  ro.overwrite = vm.count("overwrite") != 0;
  ro.resume = vm.count("resume") != 0;
  ro.quiet = vm.count("quiet") != 0;
  ro.verbose = vm.count("verbose") != 0;
  ro.jobs = vm["jobs"].as<int>();
  if (ro.jobs < 1) throw po::error("--jobs must be at least 1");
  if (vm.count("threads")) ro.threads = vm["threads"].as<int>();
  ro.exe = fs::canonical("/proc/self/exe").string();
  ro.plugin_dirs = plugin_dirs(vm);
  ro.comm = comm;
  const RunOutcome out = run_experiment(p, registry, ro);
  print_summary(std::cout, read_summary(out.output), format);
  std::cout << "\nresults: " << out.output.string() << "  (" << static_cast<long>(out.seconds + 0.5) << " s, "
            << out.trials_run << " trials run" << (out.trials_skipped ? ", " + std::to_string(out.trials_skipped) + " done before" : "")
            << ", " << out.threads << " threads"
            << (comm ? ", " + std::to_string(comm->size()) + " ranks" : std::string()) << ")\n";
  return 0;
}

/// run.data_parallel_ranks names the world its results depend on: another one is refused at the key.
void check_data_parallel_world(const Pipeline& p, const World& world) {
  const int want = p.run.data_parallel_ranks;
  if (want <= 1 || world.size == want) return;
  Diagnostics diags(p.path);
  diags.error(p.run.data_parallel_ranks_pos,
              "run.data_parallel_ranks = " + std::to_string(want) + ": every training is split over " + std::to_string(want) +
                  " ranks, but this run has " + std::to_string(world.size) +
                  (world.size == 1 ? " (start it with torchrun --no_python --nproc_per_node=" + std::to_string(want) +
                                         ", mpirun -np " + std::to_string(want) + " or srun -n " + std::to_string(want) + ")"
                                   : " (" + world.launcher + ")"));
  throw InputError(diags);
}

/// Under torchrun, mpirun or srun with several ranks: every rank runs every trial; rank 0 leads and
/// writes, the others follow (docs/cluster.md, "Ranks").
int run_on_ranks(const po::variables_map& vm, const Pipeline& p, const PluginRegistry& registry, const World& world) {
  const std::string under = "under " + world.launcher + " with " + std::to_string(world.size) + " ranks";
  if (p.assessment.present) throw po::error("an assessment pipeline runs in one process; start it without " + world.launcher);
  if (vm["jobs"].as<int>() != 1)
    throw po::error("--jobs starts worker processes on this machine; " + under + " every rank is one process: leave --jobs out");
  std::unique_ptr<Communicator> comm = connect(world);
  if (world.rank != 0) return follow_rank_zero(p, registry, *comm, vm.count("threads") ? vm["threads"].as<int>() : -1);
  int rc = 0;
  try {
    rc = vm.count("trial") ? run_trial(vm, p, registry, comm.get()) : run_plan_command(vm, p, registry, comm.get());
  } catch (...) {
    try {
      announce_end(*comm, false);  // the others stop now instead of at their timeout
    } catch (const std::exception&) {
      // A rank is gone (the likely cause of the error rethrown here); the others fail on their own.
    }
    throw;
  }
  announce_end(*comm, true);
  return rc;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description o("alchain run PIPELINE [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "pipeline file")(
      "output,o", po::value<std::string>(), "result file (default: results/<pipeline name>.h5)")(
      "overwrite", "replace the result file (and the trials of an interrupted run) if they exist")(
      "resume", "continue an interrupted run: keep its finished trials, redo the rest")(
      "jobs", po::value<int>()->default_value(1), "worker processes; the threads are shared among them")(
      "threads,j", po::value<int>(), "compute threads (0 = every core; default: the pipeline's run.threads); per rank under torchrun, mpirun or srun")(
      "format", po::value<std::string>()->default_value("text"), "final summary: text, csv, json or markdown")(
      "quiet,q", "no progress lines, only errors and the final table")(
      "verbose,v", "a line per training round and epoch")(
      "trial", po::value<std::string>(), "run only this trial of the plan into its shard <output>.trials/<id>.h5");
  int rc = 0;
  const auto parsed = parse_command(
      args, o, "pipeline", 1, {},
      "Runs every trial of the pipeline's plan (see 'alchain plan'), writing each to the\n"
      "result file as soon as it ends. A run stopped at any point (even SIGKILL) is continued\n"
      "with --resume and ends with the same numbers as an uninterrupted run. With --trial ID it\n"
      "runs that trial only and writes its shard (see 'alchain plan --format lines' and\n"
      "'alchain merge'; docs/cluster.md).\n"
      "\n"
      "On several ranks, each pool is scored in parts, one per rank, with the picks and scores of\n"
      "one process; rank 0 alone writes (docs/cluster.md, \"Ranks\"):\n"
      "  torchrun --no_python --standalone --nproc_per_node=2 alchain run PIPELINE --threads 1\n"
      "  mpirun -np 2 alchain run PIPELINE --threads 1      (MASTER_ADDR/MASTER_PORT set)\n"
      "  srun -n 2 alchain run PIPELINE --threads 1         (MASTER_ADDR/MASTER_PORT set)\n",
      rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  if (vm.count("resume") && vm.count("overwrite")) throw po::error("--resume and --overwrite exclude each other");
  if (vm.count("trial") && (vm.count("resume") || vm.count("overwrite") || vm["jobs"].as<int>() != 1))
    throw po::error("--trial runs one trial in this process into its own shard: it excludes --jobs, --resume and "
                    "--overwrite (a finished trial is not run again; a shard of another plan must be moved away)");
  parse_summary_format(vm["format"].as<std::string>());  // refused before anything loads
  const World world = read_world(process_environment());
  install_interrupt_handlers(InterruptRole::run);  // Ctrl-C: finish the write, save, say how to continue
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  const Pipeline p = load_pipeline(vm["pipeline"].as<std::string>(), registry);
  check_data_parallel_world(p, world);
  if (world.size > 1) return run_on_ranks(vm, p, registry, world);
  if (vm.count("trial")) return run_trial(vm, p, registry, nullptr);
  if (p.assessment.present) return run_assessment_command(vm, p, registry);
  return run_plan_command(vm, p, registry, nullptr);
}

int cmd_plan(const std::vector<std::string>& args) {
  po::options_description o("alchain plan PIPELINE [options]");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "pipeline file")(
      "speed", po::value<double>()->default_value(60.0),
      "assumed throughput in GMAC/s for the cost estimate (training counts forward + backward as 3x)")(
      "brief", "only the totals, not the list of trials")(
      "format", po::value<std::string>()->default_value("text"),
      "text; json (every trial with its dependencies, cost, threads, device); lines (one 'alchain run "
      "--trial' command per trial, by dependency level)")(
      "output,o", po::value<std::string>(), "json, lines: the result file the trials write (default: results/<name>.h5)")(
      "threads,j", po::value<int>(), "json, lines: compute threads per trial (default: the pipeline's run.threads)");
  int rc = 0;
  const auto parsed = parse_command(args, o, "pipeline", 1, {},
                                    "Expands the pipeline into its trials (as 'alchain run' would) and prints them with\n"
                                    "the trainings each needs and an estimated cost; trains nothing. --format lines\n"
                                    "prints a command per trial, a '# level N' line before each dependency level and a\n"
                                    "blank line between levels: run a level's commands in any order or at once (GNU\n"
                                    "parallel, a Slurm array), then the next level; then 'alchain merge' (docs/cluster.md).\n",
                                    rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "lines")
    throw po::error("--format must be text, json or lines, not '" + format + "'");
  PluginRegistry registry;
  load_plugins(registry, vm, true);
  const Pipeline p = load_pipeline(vm["pipeline"].as<std::string>(), registry);
  if (format != "text") return cli::print_plan_as(vm, p, registry, format);
  if (p.assessment.present) {
    const AssessmentSpec& a = p.assessment;
    const int trainings = 1 + (a.retrain ? a.windows : 0);
    std::cout << "assessment of model '" << a.model.name << "' with oracle '" << a.oracle.plugin << "': " << a.windows
              << " windows of " << a.window_size << " inputs, " << a.sampling.budget << " labels each ("
              << assess::to_string(a.sampling.design) << " sampling, " << assess::to_string(a.sampling.estimator) << " estimator)\n"
              << "trainings: " << trainings << " of '" << a.model.name << "' (on " << a.train << " to "
              << a.train + static_cast<std::int64_t>(a.windows) * a.sampling.budget << " samples)";
    if (!a.companions.empty()) std::cout << ", " << a.companions.size() << " companions";
    if (!a.reference.model.plugin.empty()) std::cout << ", reference '" << a.reference.name << "'";
    std::cout << "\n";
    return 0;
  }
  const Plan plan = plan_for(p, registry);
  const PlanCost cost = estimate_cost(p, plan, registry);
  print_plan(std::cout, plan, cost, vm["speed"].as<double>(), vm.count("brief") == 0);
  return 0;
}

/// A command over one result file: adds the positional RESULTS to `o` and parses. On --help or a
/// missing RESULTS or `required` option it prints the usage and `about` and returns nothing, with
/// `exit_code` 0 for --help and 2 otherwise.
std::optional<po::variables_map> parse_results_args(const std::vector<std::string>& args, po::options_description& o,
                                                    const char* results_doc, const std::vector<std::string>& required,
                                                    const char* about, int& exit_code) {
  o.add_options()("results", po::value<std::string>(), results_doc);
  return parse_command(args, o, "results", 1, required, about, exit_code);
}

int cmd_analyze(const std::vector<std::string>& args) {
  po::options_description o("alchain analyze RESULTS [options]");
  o.add(common_options());
  o.add_options()("output,o", po::value<std::string>(), "also write the analysis to this HDF5 file")(
      "format", po::value<std::string>()->default_value("text"), "text, csv, json or markdown");
  int rc = 0;
  const auto parsed = parse_results_args(
      args, o, "result file of 'alchain run' (a matrix)", {},
      "In each repeat of a matrix every surrogate's first selection round scores the same pool\n"
      "from the same initial set. For every pair of surrogates (or surrogate/policy columns):\n"
      "Spearman's rho and Kendall's tau-b of their whole-pool scores, the Jaccard overlap of their\n"
      "picks and the share of b's picks that a also picks; mean ± sd over repeats.\n",
      rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  const SummaryFormat format = parse_summary_format(vm["format"].as<std::string>());
  const Transfer t = read_transfer(vm["results"].as<std::string>());
  print_transfer(std::cout, t, format);
  if (vm.count("output")) {
    const fs::path out = vm["output"].as<std::string>();
    if (fs::exists(out)) throw std::runtime_error(out.string() + ": exists; choose another name or remove it");
    write_transfer(out, t);
    if (format == SummaryFormat::text) std::cout << "\nanalysis: " << out.string() << "\n";
  }
  return 0;
}

/// tools/report.py: $ALCHAIN_REPORT_SCRIPT, the source tree's (a build), or the installed copy.
fs::path report_script() {
  if (const char* env = std::getenv("ALCHAIN_REPORT_SCRIPT")) return env;
  for (const fs::path p : {fs::path(cli::kReportScriptInBuild), fs::path(cli::kReportScriptInstalled)})
    if (fs::exists(p)) return p;
  throw std::runtime_error(std::string("report.py not found (looked for ") + cli::kReportScriptInBuild + " and " +
                           cli::kReportScriptInstalled + "; set ALCHAIN_REPORT_SCRIPT)");
}

int cmd_report(const std::vector<std::string>& args) {
  po::options_description o("alchain report RESULTS -o DIR [options]");
  o.add(common_options());
  o.add_options()("output,o", po::value<std::string>(), "directory for the figures and report.html (created)");
  int rc = 0;
  const auto parsed = parse_results_args(
      args, o, "result file of 'alchain run'", {"output"},
      "Writes summary.json and analysis.json (alchain's statistics), then draws with\n"
      "/usr/bin/python3 and matplotlib (tools/report.py): the matrix heatmap coloured per row\n"
      "with the difference to random and significance marks, learning curves with mean ± sd\n"
      "bands, score-spread histograms, transferability heatmaps; each as PNG and SVG, and\n"
      "report.html + report.md. A run that is not complete is drawn as far as it got.\n",
      rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  const fs::path results = vm["results"].as<std::string>();
  const fs::path dir = vm["output"].as<std::string>();
  const Summary summary = read_summary(results);  // throws, naming the file, when it is not a result file
  const Transfer transfer = read_transfer(results);
  const fs::path script = report_script();
  fs::create_directories(dir);
  {
    std::ofstream s(dir / "summary.json"), a(dir / "analysis.json");
    print_summary(s, summary, SummaryFormat::json);
    print_transfer(a, transfer, SummaryFormat::json);
    if (!s || !a) throw std::runtime_error(dir.string() + ": cannot write the report's JSON files");
  }
  std::cout.flush();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot start /usr/bin/python3");
  if (pid == 0) {
    ::execl("/usr/bin/python3", "/usr/bin/python3", script.c_str(), results.c_str(), dir.c_str(), nullptr);
    std::perror("alchain report: /usr/bin/python3");
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(script.string() + " failed (is python3-matplotlib installed? bash scripts/install-deps.sh)");
  return 0;
}

int cmd_summary(const std::vector<std::string>& args) {
  po::options_description o("alchain summary RESULTS [options]");
  o.add(common_options());
  o.add_options()("format", po::value<std::string>()->default_value("text"), "text, csv, json or markdown");
  int rc = 0;
  const auto parsed = parse_results_args(
      args, o, "result file of 'alchain run'", {},
      "Rows are deployment models (generations for a chain), columns whose picks they\n"
      "trained on; cells are mean ± sd of the final test accuracy over repeats. Then the paired\n"
      "difference of each cell to random: mean, 95% t-interval, paired t-test and exact Wilcoxon\n"
      "signed-rank p, Holm-adjusted p, wins; and how many off-diagonal cells beat random.\n",
      rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  const SummaryFormat format = parse_summary_format(vm["format"].as<std::string>());
  if (is_assessment_file(vm["results"].as<std::string>())) {
    if (format != SummaryFormat::text) throw po::error("an assessment file's summary is text only so far");
    print_assessment(std::cout, read_assessment(vm["results"].as<std::string>()));
    return 0;
  }
  print_summary(std::cout, read_summary(vm["results"].as<std::string>()), format);
  return 0;
}

int cmd_worker(const std::vector<std::string>& args) {
  po::options_description o("alchain worker PIPELINE --shard-dir DIR --fingerprint F --threads N (started by 'run --jobs')");
  o.add(common_options());
  o.add_options()("pipeline", po::value<std::string>(), "pipeline file")(
      "shard-dir", po::value<std::string>(), "where trials are written")(
      "fingerprint", po::value<std::string>(), "the plan's fingerprint; refuses another plan")(
      "threads", po::value<int>()->default_value(1), "compute threads")(
      "worker-index", po::value<int>()->default_value(-1),
      "which of run's workers this is (0, 1, ...): picks its device among run.devices or the GPUs; "
      "-1 = as a process of its own");
  int rc = 0;
  const auto parsed = parse_command(args, o, "pipeline", 1, {"shard-dir", "fingerprint"},
                                    "Reads trial IDs on stdin; answers 'done ID SECONDS' or 'fail ID MESSAGE' per line.\n",
                                    rc);
  if (!parsed) return rc;
  const po::variables_map& vm = *parsed;
  install_interrupt_handlers(InterruptRole::worker);
  PluginRegistry registry;
  load_plugins(registry, vm, false);
  const Pipeline p = load_pipeline(vm["pipeline"].as<std::string>(), registry);
  return run_worker(p, registry, vm["shard-dir"].as<std::string>(), vm["fingerprint"].as<std::string>(),
                    vm["threads"].as<int>(), vm["worker-index"].as<int>());
}

/// Ends a run that stopped on an error or a signal without the libraries' exit handlers: after a
/// failed write (a full disk, a size limit) HDF5 1.10 may hold a file it could not close, and its
/// own exit handler then crashes. Everything alchain wrote is synced or closed already.
[[noreturn]] int leave(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
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
    if (cmd == "plan") return cmd_plan(args);
    if (cmd == "merge") return cli::cmd_merge(args);
    if (cmd == "export") return cli::cmd_export(args);
    if (cmd == "summary") return cmd_summary(args);
    if (cmd == "analyze") return cmd_analyze(args);
    if (cmd == "report") return cmd_report(args);
    if (cmd == "worker") return cmd_worker(args);
    if (cmd == "validate") return cmd_validate(args);
    if (cmd == "data") return cli::cmd_data(args);
    if (cmd == "models") return cli::cmd_models(args);
    if (cmd == "plugins") return cmd_plugins(args);
    std::cerr << "alchain: unknown command '" << cmd << "'\n\n" << kUsage;
    return 2;
  } catch (const po::error& e) {
    std::cerr << "alchain " << cmd << ": " << e.what() << " (see alchain " << cmd << " --help)\n";
    return 2;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const Interrupted& e) {
    std::cerr << "alchain: " << e.what() << "\n";
    return leave(e.exit_code());
  } catch (const std::exception& e) {
    std::cerr << "alchain: error: " << e.what() << "\n";
    return cmd == "run" || cmd == "worker" ? leave(1) : 1;
  }
}
