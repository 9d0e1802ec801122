// How much of a dataset each class holds: `alchain data`'s samples or pixels per class and split.
#include "alchain/engine/dataset_census.hpp"

#include <algorithm>
#include <ostream>
#include <string>

#include <torch/torch.h>

#include "alchain/engine/model_cost.hpp"
#include "alchain/util/format.hpp"

namespace alchain {

LabelCensus count_labels(Dataset& data, Split split, std::int64_t limit, std::int64_t batch,
                         const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const DatasetInfo info = data.info();
  const auto classes = static_cast<std::int64_t>(info.class_names.size());
  LabelCensus c;
  c.split = split;
  c.size = data.size(split);
  c.counted = limit > 0 ? std::min(limit, c.size) : c.size;
  c.per_class.assign(static_cast<std::size_t>(classes), 0);
  batch = std::max<std::int64_t>(1, batch);
  for (std::int64_t lo = 0; lo < c.counted; lo += batch) {
    const std::int64_t hi = std::min(c.counted, lo + batch);
    const at::Tensor y = data.labels(split, torch::arange(lo, hi, torch::kInt64)).to(torch::kInt64).reshape({-1});
    const at::Tensor in_range = y.ge(0).logical_and(y.lt(classes));
    const at::Tensor counts = torch::bincount(y.masked_select(in_range), {}, classes);
    const auto* p = counts.data_ptr<std::int64_t>();
    for (std::int64_t k = 0; k < classes; ++k) c.per_class[static_cast<std::size_t>(k)] += p[k];
    const std::int64_t ignored = y.eq(kIgnoreLabel).sum().item<std::int64_t>();
    c.ignored += ignored;
    c.invalid += y.numel() - in_range.sum().item<std::int64_t>() - (kIgnoreLabel >= classes ? ignored : 0);
    if (progress) progress(hi, c.counted);
  }
  return c;
}

namespace {
std::string percent(std::int64_t n, std::int64_t total) {
  return format("%.2f", total > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0);
}
std::string pad(std::string s, std::size_t w, bool right) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}
}  // namespace

void print_census(std::ostream& os, const std::string& name, const DatasetInfo& info,
                  const std::vector<LabelCensus>& splits) {
  const bool seg = info.task == Task::segmentation;
  os << name << ": " << (seg ? "segmentation" : "classification") << ", input " << shape_text(info.input_shape) << ", "
     << info.class_names.size() << " classes"
     << (seg ? ", a label per pixel (" + std::to_string(kIgnoreLabel) + " = ignored)" : std::string()) << "\n\n";
  os << "split  samples  counted\n";
  for (const auto& c : splits)
    os << pad(to_string(c.split), 5, false) << "  " << pad(std::to_string(c.size), 7, true) << "  "
       << pad(std::to_string(c.counted), 7, true) << "\n";
  const char* unit = seg ? "pixels" : "samples";
  std::size_t width = 7;
  for (const auto& n : info.class_names) width = std::max(width, n.size() + 5);
  os << "\n" << pad("class", width, false);
  for (const auto& c : splits) os << "  " << pad(std::string(to_string(c.split)) + " " + unit, 14, true) << "  " << pad("%", 6, true);
  os << "\n";
  auto row = [&](const std::string& label, auto value) {
    os << pad(label, width, false);
    for (const auto& c : splits) {
      std::int64_t total = c.ignored + c.invalid;
      for (auto n : c.per_class) total += n;
      const std::int64_t v = value(c);
      os << "  " << pad(std::to_string(v), 14, true) << "  " << pad(percent(v, total), 6, true);
    }
    os << "\n";
  };
  for (std::size_t k = 0; k < info.class_names.size(); ++k)
    row(std::to_string(k) + " " + info.class_names[k], [k](const LabelCensus& c) { return c.per_class[k]; });
  bool any_ignored = false, any_invalid = false;
  for (const auto& c : splits) {
    any_ignored = any_ignored || c.ignored > 0;
    any_invalid = any_invalid || c.invalid > 0;
  }
  if (seg || any_ignored) row(std::to_string(kIgnoreLabel) + " ignored", [](const LabelCensus& c) { return c.ignored; });
  if (any_invalid) row("other (no class!)", [](const LabelCensus& c) { return c.invalid; });
}

}  // namespace alchain
