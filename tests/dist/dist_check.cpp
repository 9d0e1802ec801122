// One rank of a multi-process check of the communicator (tests/dist/ranks.sh starts N of them):
// collectives with rank-dependent data, and distributed_top_k against the SDK's top_k_by_score
// on the whole pool (tied scores, pools the world size does not divide, empty shards).
//   alchain_dist_check all|collectives|topk|die     (world from the environment: run/world.hpp)
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "alchain/run/communicator.hpp"
#include "alchain/sdk/policy.hpp"

namespace {

int failures = 0;

void expect(bool ok, const std::string& what, int rank) {
  if (ok) return;
  ++failures;
  std::cerr << "rank " << rank << ": FAILED: " << what << "\n";
}

void check_collectives(alchain::Communicator& c) {
  const int r = c.rank(), n = c.size();
  const auto all = c.allgather(at::tensor({static_cast<double>(r), 10.0 * r}, at::kDouble));
  bool ok = static_cast<int>(all.size()) == n;
  for (int i = 0; ok && i < n; ++i) ok = all[i][0].item<double>() == i && all[i][1].item<double>() == 10.0 * i;
  expect(ok, "allgather", r);
  at::Tensor b = at::full({3}, r == n - 1 ? 7 : -1, at::kLong);
  c.broadcast(b, n - 1);
  expect(b.eq(7).all().item<bool>(), "broadcast from the last rank", r);
  at::Tensor s = at::full({4}, r + 1.0f, at::kFloat);
  c.allreduce(s, alchain::ReduceOp::sum);
  expect(s.eq(n * (n + 1) / 2.0f).all().item<bool>(), "allreduce sum", r);
  at::Tensor m = at::full({2}, static_cast<std::int64_t>(r), at::kLong);
  c.allreduce(m, alchain::ReduceOp::max);
  expect(m.eq(n - 1).all().item<bool>(), "allreduce max", r);
  // Rank i has i rows (rank 0 none): the rows of every rank in rank order.
  const at::Tensor mine = at::full({r, 2}, static_cast<float>(r), at::kFloat);
  const at::Tensor rows = alchain::allgather_rows(c, mine);
  bool rows_ok = rows.size(0) == n * (n - 1) / 2 && rows.size(1) == 2;
  for (int i = 0, at_row = 0; rows_ok && i < n; at_row += i, ++i)
    rows_ok = i == 0 || rows.narrow(0, at_row, i).eq(static_cast<float>(i)).all().item<bool>();
  expect(rows_ok, "allgather_rows with 0, 1, ... rows", r);
  c.barrier();
}

/// Scores with many ties (13 values) for a pool of `pool` samples; this rank's contiguous shard.
void check_top_k(alchain::Communicator& c, std::int64_t pool, std::uint64_t seed) {
  std::vector<std::int64_t> all_ids, ids;
  std::vector<float> all_scores, scores;
  const std::int64_t lo = pool * c.rank() / c.size(), hi = pool * (c.rank() + 1) / c.size();
  for (std::int64_t i = 0; i < pool; ++i) {
    const std::int64_t id = 3 * i + 11;  // IDs are not positions
    const float s = static_cast<float>(alchain::mix_seed(seed ^ static_cast<std::uint64_t>(id)) % 13) / 4.0f;
    all_ids.push_back(id);
    all_scores.push_back(s);
    if (i >= lo && i < hi) {
      ids.push_back(id);
      scores.push_back(s);
    }
  }
  for (const std::int64_t k : {std::int64_t{1}, std::int64_t{5}, pool / 3, pool, pool + 10}) {
    const auto want = alchain::top_k_by_score(all_ids, all_scores, k, seed);
    const auto got = alchain::distributed_top_k(c, ids, scores, k, seed);
    expect(got == want, "top " + std::to_string(k) + " of " + std::to_string(pool) + " (shard " + std::to_string(lo) +
                            ".." + std::to_string(hi) + ")", c.rank());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "all";
  try {
    at::set_num_threads(1);
    const alchain::World w = alchain::read_world(alchain::process_environment());
    auto comm = alchain::connect(w);
    if (mode == "die") {
      comm->barrier();
      if (comm->rank() == comm->size() - 1) _exit(3);  // a rank lost mid-run: no goodbye
      comm->barrier();
      std::cerr << "rank " << comm->rank() << ": the barrier passed without the dead rank\n";
      return 1;
    }
    if (mode == "all" || mode == "collectives") check_collectives(*comm);
    if (mode == "all" || mode == "topk") {
      check_top_k(*comm, 1007, 42);
      check_top_k(*comm, 5, 7);  // with 8 ranks, three have no sample
      check_top_k(*comm, 0, 1);
    }
    std::cout << "rank " << comm->rank() << "/" << comm->size() << " (" << w.launcher << "): "
              << (failures ? "FAILED" : "ok") << "\n";
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "alchain_dist_check: " << e.what() << "\n";
    return 2;
  }
}
