// LabeledSet: which train-split samples are labeled, in labeling order.
#include "alchain/engine/labeled_set.hpp"

#include <stdexcept>
#include <string>

namespace alchain {

void LabeledSet::add(const std::vector<std::int64_t>& ids) {
  for (auto id : ids) {
    if (id < 0 || id >= pool_size())
      throw std::runtime_error("sample " + std::to_string(id) + " is outside the pool of " + std::to_string(pool_size()));
    if (mask_[static_cast<std::size_t>(id)]) throw std::runtime_error("sample " + std::to_string(id) + " is labeled twice");
    mask_[static_cast<std::size_t>(id)] = 1;
    ids_.push_back(id);
  }
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
  for (auto id : out.ids_) out.mask_[static_cast<std::size_t>(id)] = 1;
  return out;
}

}  // namespace alchain
