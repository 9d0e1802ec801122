// k-center greedy with triangle-inequality pruning: exact, and cheap once clusters are small.
#include "coreset.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

namespace alchain::plugins {

namespace {

double squared_distance(const float* a, const float* b, std::int64_t d) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;  // four sums so the loop vectorises without -ffast-math
  std::int64_t i = 0;
  for (; i + 4 <= d; i += 4) {
    const double e0 = double(a[i]) - b[i], e1 = double(a[i + 1]) - b[i + 1];
    const double e2 = double(a[i + 2]) - b[i + 2], e3 = double(a[i + 3]) - b[i + 3];
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  for (; i < d; ++i) {
    const double e = double(a[i]) - b[i];
    s0 += e * e;
  }
  return (s0 + s1) + (s2 + s3);
}

/// A cluster: the points whose nearest center it is, with the farthest one.
struct Cluster {
  const float* center = nullptr;
  std::vector<std::int64_t> members;
  double radius2 = 0;          // max squared distance of a member
  std::int64_t farthest = -1;  // that member (lowest index on ties)
  void refresh(const std::vector<double>& min_d2) {
    radius2 = -1;
    farthest = -1;
    for (auto i : members)
      if (min_d2[i] > radius2 || (min_d2[i] == radius2 && i < farthest)) {
        radius2 = min_d2[i];
        farthest = i;
      }
  }
};

/// The exact nearest of the `m` centers of each of the `n` points (into `nearest`, its squared
/// distance into `min_d2`), block by block. A float GEMM (|p|^2 - 2 p.c + |c|^2) finds the
/// candidates; every center within the bound of float rounding of the smallest is then measured
/// exactly in double, so the result is the exact nearest center.
void nearest_centers(const float* points, std::int64_t n, const float* centers, std::int64_t m, std::int64_t d,
                     std::int64_t chunk, std::vector<double>& min_d2, std::vector<std::int32_t>& nearest) {
  const at::Tensor c = at::from_blob(const_cast<float*>(centers), {m, d}, at::kFloat);
  const at::Tensor c_sq = c.pow(2).sum(1);
  const float c_sq_max = c_sq.max().item<float>();
  const at::Tensor ct = c.t().contiguous();
  const std::int64_t blocks = (n + chunk - 1) / chunk;
  at::parallel_for(0, blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const std::int64_t lo = b * chunk, rows = std::min(chunk, n - lo);
      const at::Tensor p = at::from_blob(const_cast<float*>(points + lo * d), {rows, d}, at::kFloat);
      const at::Tensor p_sq = p.pow(2).sum(1).contiguous();
      const at::Tensor d2 = (at::addmm(c_sq.unsqueeze(0), p, ct, 1.0, -2.0) + p_sq.unsqueeze(1)).contiguous();
      const float* row = d2.data_ptr<float>();
      const float* ps = p_sq.data_ptr<float>();
      for (std::int64_t r = 0; r < rows; ++r, row += m) {
        float low = row[0];
        for (std::int64_t j = 1; j < m; ++j) low = std::min(low, row[j]);
        // |float dot error| <= d * eps * |p||c| <= 1e-4 (|p|^2 + |c|^2) for d up to ~800k.
        const float bound = low + 1e-4f * (ps[r] + c_sq_max) + 1e-30f;
        const float* pr = points + (lo + r) * d;
        double best = std::numeric_limits<double>::infinity();
        std::int32_t arg = 0;
        for (std::int64_t j = 0; j < m; ++j)
          if (row[j] <= bound) {
            const double e = squared_distance(pr, centers + j * d, d);  // as the greedy steps measure
            if (e < best) {
              best = e;
              arg = static_cast<std::int32_t>(j);
            }
          }
        nearest[lo + r] = arg;
        min_d2[lo + r] = best;
      }
    }
  });
}

/// The clusters before the first pick, refreshed, with room for the `k` picks' clusters: one per
/// labeled center holding the points nearest to it (`min_d2` receives their squared distances),
/// or without labeled centers one pseudo-cluster at infinite distance holding every point.
std::vector<Cluster> initial_clusters(const float* points, std::int64_t n, const float* centers, std::int64_t m,
                                      std::int64_t d, std::int64_t k, std::int64_t chunk, std::vector<double>& min_d2) {
  std::vector<std::int32_t> nearest(static_cast<std::size_t>(n), -1);
  std::vector<Cluster> clusters;
  clusters.reserve(static_cast<std::size_t>(m + k + 1));
  if (m > 0) {
    nearest_centers(points, n, centers, m, d, chunk, min_d2, nearest);
    clusters.resize(static_cast<std::size_t>(m));
    for (std::int64_t j = 0; j < m; ++j) clusters[j].center = centers + j * d;
    for (std::int64_t i = 0; i < n; ++i) clusters[nearest[i]].members.push_back(i);
  } else {
    clusters.emplace_back();
    for (std::int64_t i = 0; i < n; ++i) clusters[0].members.push_back(i);
  }
  for (auto& cl : clusters) cl.refresh(min_d2);
  return clusters;
}

/// The cluster whose farthest member is the farthest point overall, lowest index on ties.
std::size_t farthest_cluster(const std::vector<Cluster>& clusters) {
  std::size_t best = clusters.size();
  for (std::size_t g = 0; g < clusters.size(); ++g) {
    const Cluster& cl = clusters[g];
    if (cl.farthest < 0) continue;
    if (best == clusters.size() || cl.radius2 > clusters[best].radius2 ||
        (cl.radius2 == clusters[best].radius2 && cl.farthest < clusters[best].farthest))
      best = g;
  }
  return best;
}

/// Moves the members now nearer to the new center `cj` than to their own out of the clusters into
/// `moved`, lowering their `min_d2`. A cluster whose center lies at least twice its radius from
/// `cj` cannot hold such a point (triangle inequality), so it is not scanned. `center_dist` is
/// scratch space of at least clusters.size() entries.
void move_nearer(std::vector<Cluster>& clusters, const float* points, std::int64_t d, const float* cj,
                 std::vector<double>& min_d2, std::vector<double>& center_dist, std::vector<std::int64_t>& moved) {
  moved.clear();
  const std::size_t existing = clusters.size();
  for (std::size_t g = 0; g < existing; ++g) {
    const Cluster& cl = clusters[g];
    // Empty clusters are never scanned: skip their distance too.
    center_dist[g] = cl.center && !cl.members.empty() ? squared_distance(cl.center, cj, d)
                                                      : std::numeric_limits<double>::infinity();
  }
  for (std::size_t g = 0; g < existing; ++g) {
    Cluster& cl = clusters[g];
    if (cl.members.empty()) continue;
    const double r = std::sqrt(cl.radius2);
    if (cl.center && std::sqrt(center_dist[g]) >= 2.0 * r * (1.0 + 1e-9) + 1e-12) continue;
    bool changed = false;
    auto& mem = cl.members;
    for (std::size_t t = 0; t < mem.size();) {
      const std::int64_t i = mem[t];
      const double d2 = squared_distance(points + i * d, cj, d);
      if (d2 < min_d2[i]) {
        min_d2[i] = d2;
        moved.push_back(i);
        mem[t] = mem.back();
        mem.pop_back();
        changed = true;
      } else {
        ++t;
      }
    }
    if (changed) cl.refresh(min_d2);
  }
}

}  // namespace

std::vector<std::int64_t> kcenter_greedy(const float* points, std::int64_t n, const float* centers, std::int64_t m,
                                         std::int64_t d, std::int64_t k, std::int64_t chunk) {
  k = std::min(k, n);
  std::vector<double> min_d2(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  std::vector<Cluster> clusters = initial_clusters(points, n, centers, m, d, k, chunk, min_d2);

  std::vector<std::int64_t> picked;
  picked.reserve(static_cast<std::size_t>(k));
  std::vector<std::int64_t> moved;
  // One entry per cluster there will ever be: the initial ones and one per pick.
  std::vector<double> center_dist(clusters.size() + static_cast<std::size_t>(k));
  while (static_cast<std::int64_t>(picked.size()) < k) {
    const std::size_t best = farthest_cluster(clusters);
    const std::int64_t j = clusters[best].farthest;
    picked.push_back(j);
    auto& bm = clusters[best].members;
    bm.erase(std::find(bm.begin(), bm.end(), j));
    min_d2[j] = 0;
    clusters[best].refresh(min_d2);  // now without j, even if it was the last member
    const float* cj = points + j * d;

    move_nearer(clusters, points, d, cj, min_d2, center_dist, moved);
    Cluster fresh;
    fresh.center = cj;
    fresh.members = moved;
    fresh.refresh(min_d2);
    clusters.push_back(std::move(fresh));
  }
  return picked;
}

CoresetPolicy::CoresetPolicy(const Params&, const CreateContext&) {}

void CoresetPolicy::begin(const SelectionContext& ctx) {
  ctx_ = ctx;
  dim_ = 0;
  centers_.clear();
  pool_.clear();
  ids_.clear();
  ids_.reserve(static_cast<std::size_t>(ctx.pool_size));
}

void CoresetPolicy::append(const at::Tensor& embedding, std::vector<float>& out) {
  const at::Tensor e = embedding.to(at::kFloat).contiguous();
  if (e.dim() != 2) throw std::runtime_error("coreset needs a [B, D] embedding");
  if (dim_ == 0) dim_ = e.size(1);
  if (e.size(1) != dim_) throw std::runtime_error("embedding width changed between batches");
  if (&out == &pool_ && out.empty()) out.reserve(static_cast<std::size_t>(ctx_.pool_size * dim_));
  out.insert(out.end(), e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
}

void CoresetPolicy::observe_labeled(const PoolBatch& batch) { append(batch.embedding, centers_); }

void CoresetPolicy::observe(const PoolBatch& batch) {
  append(batch.embedding, pool_);
  const at::Tensor ids = batch.ids.contiguous();
  ids_.insert(ids_.end(), ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + ids.numel());
}

Selection CoresetPolicy::select() {
  const auto n = static_cast<std::int64_t>(ids_.size());
  const std::int64_t m = dim_ ? static_cast<std::int64_t>(centers_.size()) / dim_ : 0;
  Selection s;
  for (auto i : kcenter_greedy(pool_.data(), n, centers_.data(), m, dim_, ctx_.budget)) s.picked.push_back(ids_[i]);
  pool_ = {};
  centers_ = {};
  return s;
}

}  // namespace alchain::plugins
