/// The labeled set of a trial: IDs in labeling order and a membership mask. Their labels come
/// from the dataset (the oracle) when a model trains on them, batch by batch, so a segmentation
/// pool's label maps are never all held at once.
#pragma once

#include <cstdint>
#include <vector>

namespace alchain {

class LabeledSet {
 public:
  explicit LabeledSet(std::int64_t pool_size) : mask_(static_cast<std::size_t>(pool_size), 0) {}
  /// Labels `ids` (appends them in order). Throws on an ID outside the pool or already labeled.
  void add(const std::vector<std::int64_t>& ids);
  const std::vector<std::int64_t>& ids() const { return ids_; }
  std::size_t size() const { return ids_.size(); }
  std::int64_t pool_size() const { return static_cast<std::int64_t>(mask_.size()); }
  bool contains(std::int64_t id) const { return id >= 0 && id < pool_size() && mask_[static_cast<std::size_t>(id)]; }
  /// The unlabeled pool, ascending.
  std::vector<std::int64_t> unlabeled() const;
  /// The first `n` of the labeling order (n <= size()).
  LabeledSet prefix(std::size_t n) const;

 private:
  std::vector<std::int64_t> ids_;
  std::vector<char> mask_;
};

}  // namespace alchain
