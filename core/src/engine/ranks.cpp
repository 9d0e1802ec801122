// Rank 0 leads a run on several ranks; the others follow its announcements.
#include "alchain/engine/ranks.hpp"

#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include "alchain/engine/experiment.hpp"
#include "alchain/run/communicator.hpp"
#include "alchain/run/device.hpp"
#include "alchain/run/process_tuning.hpp"
#include "alchain/run/trainer.hpp"
#include "alchain/sdk/dataset.hpp"

namespace alchain {

namespace {

enum Code : std::int64_t { kStart = 1, kTrial = 2, kEnd = 3 };

struct Message {
  std::int64_t code = 0, arg = 0;
  at::Tensor payload;  ///< start: the fingerprint's bytes; trial: the labeling order
};

void send(Communicator& comm, Code code, std::int64_t arg, const at::Tensor& payload) {
  const std::int64_t n = payload.defined() ? payload.numel() : 0;
  at::Tensor header = at::empty({3}, at::kLong);
  header[0] = static_cast<std::int64_t>(code);
  header[1] = arg;
  header[2] = n;
  comm.broadcast(header, 0);
  if (n > 0) {
    at::Tensor p = payload.contiguous().clone();
    comm.broadcast(p, 0);
  }
}

Message receive(Communicator& comm) {
  at::Tensor header = at::zeros({3}, at::kLong);
  comm.broadcast(header, 0);
  Message m;
  m.code = header[0].item<std::int64_t>();
  m.arg = header[1].item<std::int64_t>();
  const std::int64_t n = header[2].item<std::int64_t>();
  m.payload = at::empty({n}, m.code == kStart ? at::kByte : at::kLong);
  if (n > 0) comm.broadcast(m.payload, 0);
  return m;
}

std::string text_of(const at::Tensor& bytes) {
  const auto* p = reinterpret_cast<const char*>(bytes.data_ptr<std::uint8_t>());
  return std::string(p, p + bytes.numel());
}

}  // namespace

void announce_start(Communicator& comm, const Plan& plan, int threads) {
  std::string fp = plan.fingerprint;
  send(comm, kStart, threads, at::from_blob(fp.data(), {static_cast<std::int64_t>(fp.size())}, at::kByte));
}

void announce_trial(Communicator& comm, const Plan& plan, const Trial& trial, const TrialInputs& inputs) {
  const std::int64_t index = &trial - plan.trials.data();
  std::vector<std::int64_t> order = inputs.labeling_order;
  send(comm, kTrial, index,
       order.empty() ? at::Tensor() : at::from_blob(order.data(), {static_cast<std::int64_t>(order.size())}, at::kLong));
}

void announce_end(Communicator& comm, bool ok) { send(comm, kEnd, ok ? 1 : 0, at::Tensor()); }

int follow_rank_zero(const Pipeline& p, const PluginRegistry& registry, Communicator& comm, int threads_option) {
  set_compute_threads(threads_option >= 0 ? threads_option : p.run.threads);
  set_assigned_device(p.run, -1);
  const std::string who = "rank " + std::to_string(comm.rank());
  std::shared_ptr<Dataset> data = create_dataset_checked(p, registry);
  const Plan plan = expand_plan(p, data->size(Split::train));
  const Progress quiet(true);
  TrialRunner runner(p, plan, registry, quiet, data, &comm);
  for (;;) {
    const Message m = receive(comm);
    if (m.code == kEnd) return m.arg == 1 ? 0 : 1;
    if (m.code == kStart) {
      const std::string lead = text_of(m.payload);
      if (lead != plan.fingerprint)
        throw std::runtime_error(p.path + ": " + who + "'s plan is " + plan.fingerprint + ", rank 0's is " + lead +
                                 ": every rank must run the same pipeline with the same plugins and data");
      set_compute_threads(static_cast<int>(m.arg));  // rank 0's count: results depend on it
      continue;
    }
    if (m.code != kTrial || m.arg < 0 || m.arg >= static_cast<std::int64_t>(plan.trials.size()))
      throw std::runtime_error(who + ": rank 0 sent message " + std::to_string(m.code) + " (" + std::to_string(m.arg) +
                               "), which this version of alchain does not know; run the same build on every rank");
    TrialInputs inputs;
    const std::int64_t* o = m.payload.data_ptr<std::int64_t>();
    inputs.labeling_order.assign(o, o + m.payload.numel());
    runner.run(plan.trials[static_cast<std::size_t>(m.arg)], inputs);
  }
}

}  // namespace alchain
