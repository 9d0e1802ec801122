// Loading a model's weights by name from a TorchScript file.
#include "alchain/run/weights.hpp"

#include "alchain/run/task.hpp"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

namespace alchain {

namespace {

/// "a, b, c" for at most `limit` names, then "and N more".
std::string name_list(const std::vector<std::string>& names, std::size_t limit = 12) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > limit) s += " and " + std::to_string(names.size() - limit) + " more";
  return s;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

void load_weights(torch::nn::Module& model, const std::string& path, const std::string& into) {
  torch::jit::Module file;
  try {
    file = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not a TorchScript file of weights (" + first_line(e.what()) +
                             "); export one with tools/export_torchvision.py or torch.jit.save");
  }
  std::map<std::string, at::Tensor> source;
  for (const auto& p : file.named_parameters(/*recurse=*/true)) source[p.name] = p.value;
  for (const auto& b : file.named_buffers(/*recurse=*/true)) source[b.name] = b.value;

  const std::string prefix = into.empty() ? "" : into + ".";
  std::map<std::string, at::Tensor> target;
  auto take = [&](const std::string& name, const at::Tensor& t) {
    if (name.compare(0, prefix.size(), prefix) == 0) target[name.substr(prefix.size())] = t;
  };
  for (const auto& p : model.named_parameters(/*recurse=*/true)) take(p.key(), p.value());
  for (const auto& b : model.named_buffers(/*recurse=*/true)) take(b.key(), b.value());
  if (target.empty())
    throw std::runtime_error(path + ": weights_into '" + into + "': the model has no parameters under that name" +
                             " (its top-level modules: " + [&] {
                               std::vector<std::string> names;
                               for (const auto& c : model.named_children()) names.push_back(c.key());
                               return name_list(names);
                             }() + ")");

  std::vector<std::string> missing, unexpected, misshaped;
  for (const auto& [name, t] : target) {
    const auto it = source.find(name);
    if (it == source.end()) missing.push_back(prefix + name);
    else if (it->second.sizes() != t.sizes())
      misshaped.push_back(prefix + name + " (model " + shape_text(t) + ", file " + shape_text(it->second) + ")");
  }
  for (const auto& [name, t] : source)
    if (!target.count(name)) unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty() || !misshaped.empty()) {
    std::string msg = path + ": the weights do not fit the model" + (into.empty() ? "" : " (loading into '" + into + "')") + ":";
    if (!missing.empty()) msg += "\n  missing from the file (" + std::to_string(missing.size()) + "): " + name_list(missing);
    if (!unexpected.empty())
      msg += "\n  unexpected, not in the model (" + std::to_string(unexpected.size()) + "): " + name_list(unexpected);
    if (!misshaped.empty())
      msg += "\n  mis-shaped (" + std::to_string(misshaped.size()) + "): " + name_list(misshaped, 6);
    throw std::runtime_error(msg);
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : target) t.copy_(source.at(name));
}

}  // namespace alchain
