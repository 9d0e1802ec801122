// The communicator: c10d's ProcessGroupGloo over a FileStore or TCPStore, and one process alone.
// The only file that includes c10d.
#include "alchain/run/communicator.hpp"

#include <chrono>
#include <stdexcept>
#include <unordered_map>

#include <ATen/ATen.h>
#include <c10/util/intrusive_ptr.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "alchain/sdk/policy.hpp"
#include "alchain/util/format.hpp"

namespace alchain {

namespace {

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<at::Tensor> allgather(const at::Tensor& t) override { return {t.clone()}; }
  void broadcast(at::Tensor&, int root) override { check_root(root); }
  void allreduce(at::Tensor&, ReduceOp) override {}
  void barrier() override {}

 private:
  static void check_root(int root) {
    if (root != 0) throw std::invalid_argument("broadcast from rank " + std::to_string(root) + " of 1");
  }
};

class Gloo final : public Communicator {
 public:
  explicit Gloo(const World& w) : world_(w) {
    const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(w.timeout_s * 1000));
    c10::intrusive_ptr<c10d::Store> store;
    if (!w.store_file.empty()) {
      store = c10::make_intrusive<c10d::FileStore>(w.store_file, w.size);
    } else {
      c10d::TCPStoreOptions o;
      o.port = static_cast<std::uint16_t>(w.master_port);
      o.isServer = w.rank == 0 && !w.agent_store;
      o.numWorkers = w.agent_store ? c10::nullopt : c10::optional<std::size_t>(w.size);
      o.waitWorkers = !w.agent_store;
      o.timeout = timeout;
      store = c10::make_intrusive<c10d::TCPStore>(w.master_addr, o);
    }
    store->setTimeout(timeout);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");  // PyTorch's variable for the interface
    options->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                                 : c10d::ProcessGroupGloo::createDefaultDevice());
    options->threads = 2;
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("alchain", store),
                                                         w.rank, w.size, options);
  }
  int rank() const override { return world_.rank; }
  int size() const override { return world_.size; }

  // Gloo divides by the element count: an empty tensor has nothing to send (every rank's is empty).
  std::vector<at::Tensor> allgather(const at::Tensor& t) override {
    if (t.numel() == 0) return std::vector<at::Tensor>(static_cast<std::size_t>(world_.size), t.clone());
    std::vector<at::Tensor> in{t.contiguous()};
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < world_.size; ++r) out[0].push_back(at::empty_like(in[0]));
    run("allgather", [&] { return group_->allgather(out, in); });
    return out[0];
  }
  void broadcast(at::Tensor& t, int root) override {
    if (t.numel() == 0) return;
    std::vector<at::Tensor> io{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    run("broadcast", [&] { return group_->broadcast(io, o); });
  }
  void allreduce(at::Tensor& t, ReduceOp op) override {
    if (t.numel() == 0) return;
    std::vector<at::Tensor> io{t};
    c10d::AllreduceOptions o;
    o.reduceOp = op == ReduceOp::sum ? c10d::ReduceOp::SUM : c10d::ReduceOp::MAX;
    run("allreduce", [&] { return group_->allreduce(io, o); });
  }
  void barrier() override {
    run("barrier", [&] { return group_->barrier(); });
  }

 private:
  template <class Start>
  void run(const char* what, Start start) {
    try {
      start()->wait();
    } catch (const std::exception& e) {
      std::string reason = e.what();
      if (const auto nl = reason.find('\n'); nl != std::string::npos) reason.resize(nl);  // c10's backtrace
      throw std::runtime_error(format("rank %d of %d (%s): %s failed within ALCHAIN_DIST_TIMEOUT=%.0f s: %s; another "
                                      "rank has died or stopped (see its own error)",
                                      world_.rank, world_.size, world_.launcher.c_str(), what, world_.timeout_s,
                                      reason.c_str()));
    }
  }
  World world_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::unique_ptr<Communicator> single_process_communicator() { return std::make_unique<SingleProcess>(); }

std::unique_ptr<Communicator> connect(const World& world) {
  if (world.size == 1) return single_process_communicator();
  try {
    return std::make_unique<Gloo>(world);
  } catch (const std::exception& e) {
    std::string reason = e.what();
    if (const auto nl = reason.find('\n'); nl != std::string::npos) reason.resize(nl);
    const std::string where = world.store_file.empty()
                                  ? world.master_addr + ":" + std::to_string(world.master_port)
                                  : world.store_file;
    throw std::runtime_error(format("rank %d of %d (%s): cannot join the other ranks at %s within %.0f s: %s",
                                    world.rank, world.size, world.launcher.c_str(), where.c_str(), world.timeout_s,
                                    reason.c_str()));
  }
}

at::Tensor allgather_rows(Communicator& comm, const at::Tensor& t) {
  at::Tensor rows = at::full({1}, t.size(0), at::kLong);
  const std::vector<at::Tensor> counts = comm.allgather(rows);
  std::int64_t most = 0;
  for (const auto& c : counts) most = std::max(most, c.item<std::int64_t>());
  std::vector<std::int64_t> shape = t.sizes().vec();
  shape[0] = most;
  at::Tensor padded = at::zeros(shape, t.options());
  if (t.size(0) > 0) padded.narrow(0, 0, t.size(0)).copy_(t);
  const std::vector<at::Tensor> all = comm.allgather(padded);
  std::vector<at::Tensor> parts;
  for (std::size_t r = 0; r < all.size(); ++r) parts.push_back(all[r].narrow(0, 0, counts[r].item<std::int64_t>()));
  return at::cat(parts, 0);
}

std::vector<std::int64_t> distributed_top_k(Communicator& comm, const std::vector<std::int64_t>& ids,
                                            const std::vector<float>& scores, std::int64_t k, std::uint64_t tie_seed) {
  if (ids.size() != scores.size()) throw std::invalid_argument("distributed_top_k: ids and scores differ in length");
  // This rank's candidates: its own top k under the same order, so the global top k is among them.
  const std::vector<std::int64_t> local = top_k_by_score(ids, scores, k, tie_seed);
  std::unordered_map<std::int64_t, float> score_of;
  score_of.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) score_of.emplace(ids[i], scores[i]);
  std::vector<float> local_scores;
  for (const std::int64_t id : local) local_scores.push_back(score_of.at(id));
  const at::Tensor cand_ids = at::tensor(at::ArrayRef<std::int64_t>(local), at::kLong);
  const at::Tensor cand_scores = at::tensor(at::ArrayRef<float>(local_scores), at::kFloat);
  const at::Tensor all_ids = allgather_rows(comm, cand_ids).contiguous();
  const at::Tensor all_scores = allgather_rows(comm, cand_scores).contiguous();
  const std::vector<std::int64_t> merged_ids(all_ids.data_ptr<std::int64_t>(),
                                             all_ids.data_ptr<std::int64_t>() + all_ids.numel());
  const std::vector<float> merged_scores(all_scores.data_ptr<float>(), all_scores.data_ptr<float>() + all_scores.numel());
  return top_k_by_score(merged_ids, merged_scores, k, tie_seed);
}

}  // namespace alchain
