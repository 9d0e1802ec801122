/// The labeled set of a trial: IDs in labeling order, their revealed labels, and a membership mask.
#pragma once

#include <cstdint>
#include <vector>

namespace alchain {

class Dataset;

class LabeledSet {
 public:
  explicit LabeledSet(std::int64_t pool_size) : mask_(static_cast<std::size_t>(pool_size), 0) {}
  /// Labels `ids` (the oracle reveals their train-split labels) and appends them. Throws on an ID
  /// outside the pool or already labeled.
  void add(Dataset& data, const std::vector<std::int64_t>& ids);
  const std::vector<std::int64_t>& ids() const { return ids_; }
  const std::vector<std::int64_t>& labels() const { return labels_; }
  std::size_t size() const { return ids_.size(); }
  std::int64_t pool_size() const { return static_cast<std::int64_t>(mask_.size()); }
  bool contains(std::int64_t id) const { return id >= 0 && id < pool_size() && mask_[static_cast<std::size_t>(id)]; }
  /// The unlabeled pool, ascending.
  std::vector<std::int64_t> unlabeled() const;
  /// The first `n` of the labeling order with their labels (n <= size()).
  LabeledSet prefix(std::size_t n) const;

 private:
  std::vector<std::int64_t> ids_, labels_;
  std::vector<char> mask_;
};

}  // namespace alchain
