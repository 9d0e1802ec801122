// LabeledSet: the oracle reveals labels of train-split samples as they are labeled.
#include "alchain/engine/labeled_set.hpp"

#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "alchain/sdk/dataset.hpp"

namespace alchain {

void LabeledSet::add(Dataset& data, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  for (auto id : ids) {
    if (id < 0 || id >= pool_size())
      throw std::runtime_error("sample " + std::to_string(id) + " is outside the pool of " + std::to_string(pool_size()));
    if (mask_[static_cast<std::size_t>(id)]) throw std::runtime_error("sample " + std::to_string(id) + " is labeled twice");
    mask_[static_cast<std::size_t>(id)] = 1;
  }
  const at::Tensor t = torch::tensor(ids, torch::kInt64);
  const at::Tensor y = data.labels(Split::train, t).to(torch::kInt64).contiguous();
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  labels_.insert(labels_.end(), y.data_ptr<std::int64_t>(), y.data_ptr<std::int64_t>() + y.numel());
}

std::vector<std::int64_t> LabeledSet::unlabeled() const {
  std::vector<std::int64_t> pool;
  pool.reserve(mask_.size() - ids_.size());
  for (std::size_t i = 0; i < mask_.size(); ++i)
    if (!mask_[i]) pool.push_back(static_cast<std::int64_t>(i));
  return pool;
}

LabeledSet LabeledSet::prefix(std::size_t n) const {
  if (n > ids_.size())
    throw std::runtime_error("a labeled set of " + std::to_string(ids_.size()) + " has no prefix of " + std::to_string(n));
  LabeledSet out(pool_size());
  out.ids_.assign(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(n));
  out.labels_.assign(labels_.begin(), labels_.begin() + static_cast<std::ptrdiff_t>(n));
  for (auto id : out.ids_) out.mask_[static_cast<std::size_t>(id)] = 1;
  return out;
}

}  // namespace alchain
