/// The ranks of one trial talking to each other: allgather, broadcast, allreduce and barrier over
/// c10d's ProcessGroupGloo (the transport LibTorch ships), or a single-process stand-in with the
/// same interface. All of c10d stays in communicator.cpp: its API drifts between releases.
/// Every rank must make the same calls in the same order (docs/cluster.md, "Ranks").
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "alchain/run/world.hpp"

namespace alchain {

enum class ReduceOp { sum, max };

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Every rank's `t`, in rank order; `t` has the same shape and dtype on every rank (CPU, contiguous).
  virtual std::vector<at::Tensor> allgather(const at::Tensor& t) = 0;
  /// `t` becomes root's `t` on every rank (same shape and dtype everywhere).
  virtual void broadcast(at::Tensor& t, int root) = 0;
  /// `t` becomes the element-wise reduction of every rank's `t`, on every rank.
  virtual void allreduce(at::Tensor& t, ReduceOp op) = 0;
  virtual void barrier() = 0;
};

/// One process: every collective returns its own input.
std::unique_ptr<Communicator> single_process_communicator();

/// The world's ranks connected (a single-process communicator for a world of one). Waits for the
/// other ranks at most world.timeout_s; a collective that a dead or stuck rank cannot complete
/// throws, naming this rank, the operation and the transport's reason, within that time.
std::unique_ptr<Communicator> connect(const World& world);

/// Every rank's rows of `t` (its first dimension may differ between ranks, and be 0),
/// concatenated in rank order.
at::Tensor allgather_rows(Communicator& comm, const at::Tensor& t);

/// The top `k` of the pool whose part on this rank is (`ids`, `scores`): exactly what the SDK's
/// top_k_by_score gives on the whole pool (score, then its tie key from `tie_seed`, then ID),
/// whatever the split. Each rank sends at most k candidates; every rank returns the same picks.
std::vector<std::int64_t> distributed_top_k(Communicator& comm, const std::vector<std::int64_t>& ids,
                                            const std::vector<float>& scores, std::int64_t k, std::uint64_t tie_seed);

}  // namespace alchain
