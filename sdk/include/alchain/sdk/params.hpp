/// Typed plugin parameters as the host hands them to a plugin factory (defaults already filled).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace alchain {

/// One parameter value; the alternative matches the spec's alchain_param_type.
using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>,
                                std::vector<double>>;

class Policy;

/// What a dataset's labels are (since 3.0 here, for CreateContext; dataset.hpp had it before).
///   classification: one class per sample; a model's logits are [B, K].
///   segmentation: one class per pixel, kIgnoreIndex where unlabelled; a model's logits are
///   [B, K, H, W] at the input's resolution.
enum class Task : std::uint32_t { classification = 1, segmentation = 2 };

inline const char* to_string(Task t) { return t == Task::segmentation ? "segmentation" : "classification"; }

/// Everything a plugin needs from the pipeline besides its own parameters.
struct CreateContext {
  std::int64_t num_classes = 0;          ///< models: classes of the dataset
  std::vector<std::int64_t> input_shape; ///< models: C, H, W of one sample
  Task task = Task::classification;      ///< models and policies: refuse a task they cannot do (since 3.0)
  std::string base_dir;                  ///< datasets: directory of the pipeline file, for relative paths
  /// policies: creates another policy by name, so a policy can wrap any other (as `power` does):
  /// a `[policies.<name>]` entry of the pipeline with its parameters, else a policy plugin with
  /// its defaults. Throws like the host does for an unknown name. By convention a wrapper names
  /// its base in a string parameter `base`, so the host can check the base's requirements.
  std::function<std::shared_ptr<Policy>(const std::string& name)> make_policy;
};

/// Parameters by name. Every parameter the plugin declared is present (the host fills defaults),
/// so a getter only fails when the plugin asks for a name it did not declare.
class Params {
 public:
  void set(std::string name, ParamValue value) { values_[std::move(name)] = std::move(value); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, ParamValue>& values() const { return values_; }

  bool get_bool(const std::string& n) const { return get<bool>(n); }
  std::int64_t get_int(const std::string& n) const { return get<std::int64_t>(n); }
  double get_float(const std::string& n) const {
    const auto& v = at(n);
    if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    return get<double>(n);
  }
  const std::string& get_string(const std::string& n) const { return get<std::string>(n); }
  const std::vector<std::int64_t>& get_int_list(const std::string& n) const {
    return get<std::vector<std::int64_t>>(n);
  }
  const std::vector<double>& get_float_list(const std::string& n) const {
    return get<std::vector<double>>(n);
  }

 private:
  const ParamValue& at(const std::string& n) const {
    auto it = values_.find(n);
    if (it == values_.end()) throw std::out_of_range("parameter '" + n + "' was not declared by the plugin");
    return it->second;
  }
  template <class T>
  const T& get(const std::string& n) const {
    const auto& v = at(n);
    if (auto* p = std::get_if<T>(&v)) return *p;
    throw std::invalid_argument("parameter '" + n + "' has another type than requested");
  }
  std::map<std::string, ParamValue> values_;
};

}  // namespace alchain
