// Core-set selection: exact k-center greedy on the surrogate's embedding (Sener & Savarese, ICLR 2018).
#pragma once

#include <cstdint>
#include <vector>

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"

namespace alchain::plugins {

/// k-center greedy over `n` points of dimension `d` (row-major floats), starting with the `m`
/// `centers` as centers: repeatedly takes the point farthest from its nearest center (first
/// index on ties) and makes it a center. Returns `k` point indices in pick order. Distances are
/// computed in double precision; memory is O(n) beyond the inputs (the initial nearest centers
/// come from `chunk`-row blocks, never from an n x m matrix).
std::vector<std::int64_t> kcenter_greedy(const float* points, std::int64_t n, const float* centers, std::int64_t m,
                                         std::int64_t d, std::int64_t k, std::int64_t chunk = 4096);

class CoresetPolicy : public Policy {
 public:
  CoresetPolicy(const Params& params, const CreateContext& ctx);
  std::uint32_t needs() const override { return kNeedEmbedding | kNeedLabeled; }
  void begin(const SelectionContext& ctx) override;
  void observe_labeled(const PoolBatch& batch) override;
  void observe(const PoolBatch& batch) override;
  Selection select() override;

 private:
  void append(const at::Tensor& embedding, std::vector<float>& out);
  SelectionContext ctx_;
  std::int64_t dim_ = 0;
  std::vector<float> centers_, pool_;
  std::vector<std::int64_t> ids_;
};

}  // namespace alchain::plugins
