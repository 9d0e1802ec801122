// The plan as data for other engines: JSON with every trial, and one shell command per trial.
#include <algorithm>
#include <map>
#include <ostream>

#include "alchain/engine/cluster.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/util/format.hpp"

namespace alchain {

std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "0123456789_-+=.,/:@%") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> trial_dependencies(const Trial& t) {
  if (t.kind == TrialKind::train && t.source.picks()) return {t.source.trial};
  return {};
}

namespace {
std::string plugin_options(const PlanExport& how) {
  std::string out;
  for (const auto& d : how.plugin_dirs) out += " -P " + shell_word(d);
  return out;
}
}  // namespace

std::string trial_command(const Trial& t, const PlanExport& how) {
  return "alchain run " + shell_word(how.pipeline) + " -o " + shell_word(how.output.string()) + " --trial " +
         shell_word(t.id) + " --threads " + std::to_string(how.threads) + plugin_options(how);
}

std::string merge_command(const PlanExport& how) {
  return "alchain merge " + shell_word(how.pipeline) + " -o " + shell_word(how.output.string()) + " --threads " +
         std::to_string(how.threads) + plugin_options(how);
}

std::vector<int> plan_levels(const Plan& plan) {
  std::map<std::string, int> level;
  std::vector<int> out;
  for (const Trial& t : plan.trials) {  // dependencies come first in a plan
    int l = 0;
    for (const auto& d : trial_dependencies(t)) l = std::max(l, level.at(d) + 1);
    level[t.id] = l;
    out.push_back(l);
  }
  return out;
}

void print_plan_json(std::ostream& os, const Plan& plan, const PlanCost& cost, const PlanExport& how) {
  const std::vector<int> levels = plan_levels(plan);
  const int depth = levels.empty() ? 0 : *std::max_element(levels.begin(), levels.end()) + 1;
  const std::filesystem::path dir = shard_dir_for(how.output);
  os << "{\n  \"schema\": 1,\n  \"plan\": " << json_string(plan.name) << ",\n  \"kind\": " << json_string(to_string(plan.kind))
     << ",\n  \"fingerprint\": " << json_string(plan.fingerprint) << ",\n  \"pipeline\": " << json_string(how.pipeline)
     << ",\n  \"output\": " << json_string(how.output.string()) << ",\n  \"shard_dir\": " << json_string(dir.string())
     << ",\n  \"trial_threads\": " << how.threads << ",\n  \"device\": " << json_string(how.device)
     << ",\n  \"levels\": " << depth << ",\n  \"trials\": [";
  for (std::size_t i = 0; i < plan.trials.size(); ++i) {
    const Trial& t = plan.trials[i];
    std::string deps;
    for (const auto& d : trial_dependencies(t)) deps += (deps.empty() ? "" : ", ") + json_string(d);
    const auto macs = cost.trial_macs.find(t.id);
    const std::string m = format("%.0f", macs != cost.trial_macs.end() ? macs->second : 0.0);
    const auto mem = cost.trial_memory_mb.find(t.id);
    const std::string mb = format("%.0f", mem != cost.trial_memory_mb.end() ? mem->second : 0.0);
    os << (i ? "," : "") << "\n    {\"id\": " << json_string(t.id) << ", \"kind\": " << json_string(to_string(t.kind))
       << ", \"level\": " << levels[i] << ", \"dependencies\": [" << deps << "], \"column\": " << json_string(t.column)
       << ", \"repeat\": " << t.repeat << ", \"trainings\": " << t.trainings() << ", \"multiply_adds\": " << m << ", \"memory_mb\": " << mb
       << ", \"threads\": " << how.threads << ", \"device\": " << json_string(how.device)
       << ", \"shard\": " << json_string((dir / (t.id + ".h5")).string())
       << ", \"command\": " << json_string(trial_command(t, how)) << "}";
  }
  os << "\n  ]\n}\n";
}

void print_plan_lines(std::ostream& os, const Plan& plan, const PlanExport& how) {
  const std::vector<int> levels = plan_levels(plan);
  const int depth = levels.empty() ? 0 : *std::max_element(levels.begin(), levels.end()) + 1;
  for (int l = 0; l < depth; ++l) {
    const auto n = std::count(levels.begin(), levels.end(), l);
    os << (l ? "\n" : "") << "# level " << l << ": " << n << " trial" << (n == 1 ? "" : "s") << "\n";
    for (std::size_t i = 0; i < plan.trials.size(); ++i)
      if (levels[i] == l) os << trial_command(plan.trials[i], how) << "\n";
  }
}

}  // namespace alchain
