// BADGE selection with factorised gradient-embedding distances.
#include "badge.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "alchain/sdk/rng.hpp"

namespace alchain::plugins {

void BadgePolicy::begin(const SelectionContext& ctx) {
  ctx_ = ctx;
  k_ = d_ = 0;
  a_.clear();
  h_.clear();
  ids_.clear();
}

void BadgePolicy::observe(const PoolBatch& batch) {
  const at::Tensor p = at::softmax(batch.logits.to(at::kFloat), 1);
  const at::Tensor a = (p - at::one_hot(p.argmax(1), p.size(1)).to(at::kFloat)).contiguous();
  const at::Tensor h = batch.embedding.to(at::kFloat).contiguous();
  k_ = a.size(1);
  d_ = h.size(1);
  a_.insert(a_.end(), a.data_ptr<float>(), a.data_ptr<float>() + a.numel());
  h_.insert(h_.end(), h.data_ptr<float>(), h.data_ptr<float>() + h.numel());
  const at::Tensor ids = batch.ids.contiguous();
  ids_.insert(ids_.end(), ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + ids.numel());
}

Selection BadgePolicy::select() {
  const auto n = static_cast<std::int64_t>(ids_.size());
  const std::int64_t budget = std::min<std::int64_t>(ctx_.budget, n);
  auto dot = [](const float* x, const float* y, std::int64_t len) {
    double s = 0;
    for (std::int64_t i = 0; i < len; ++i) s += double(x[i]) * y[i];
    return s;
  };
  std::vector<double> an(n), hn(n), min_d2(n, INFINITY);
  for (std::int64_t i = 0; i < n; ++i) {
    an[i] = dot(&a_[i * k_], &a_[i * k_], k_);
    hn[i] = dot(&h_[i * d_], &h_[i * d_], d_);
  }
  Selection s;
  if (budget == 0) return s;
  std::vector<char> taken(n, 0);
  std::int64_t next = 0;
  for (std::int64_t i = 1; i < n; ++i)
    if (an[i] * hn[i] > an[next] * hn[next]) next = i;
  Rng rng(ctx_.seed);
  while (true) {
    s.picked.push_back(ids_[next]);
    taken[next] = 1;
    min_d2[next] = 0;
    if (static_cast<std::int64_t>(s.picked.size()) == budget) break;
    const float* ac = &a_[next * k_];
    const float* hc = &h_[next * d_];
    const double cn = an[next] * hn[next];
    at::parallel_for(0, n, 2048, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) {
        if (taken[i]) continue;
        const double d2 = std::max(0.0, an[i] * hn[i] + cn - 2.0 * dot(&a_[i * k_], ac, k_) * dot(&h_[i * d_], hc, d_));
        if (d2 < min_d2[i]) min_d2[i] = d2;
      }
    });
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i) total += taken[i] ? 0.0 : min_d2[i];
    next = -1;
    if (total > 0) {
      const double u = rng.uniform01() * total;
      double run = 0;
      for (std::int64_t i = 0; i < n && next < 0; ++i)
        if (!taken[i] && (run += min_d2[i]) > u) next = i;
    }
    if (next < 0)  // every remaining gradient coincides with a center (or rounding): lowest index
      for (std::int64_t i = 0; i < n && next < 0; ++i)
        if (!taken[i]) next = i;
  }
  return s;
}

}  // namespace alchain::plugins
