// Query by committee where the committee is the chain's earlier generations plus the surrogate.
#pragma once

#include <stdexcept>
#include <string>

#include "alchain/sdk/params.hpp"
#include "alchain/sdk/policy.hpp"
#include "alchain/sdk/uncertainty.hpp"

namespace alchain::plugins {

/// Members: the last model of every earlier generation of this arm, and the current surrogate.
/// vote_entropy: entropy of the members' votes (Seung et al. 1992); kl: mean KL divergence of each
/// member's softmax to the consensus (McCallum & Nigam 1998). The host refuses it at generation 0
/// (ALCHAIN_FLAG_NEEDS_EARLIER_GENERATIONS), where a committee of one has nothing to disagree on.
class CommitteePolicy : public ScorePolicy {
 public:
  CommitteePolicy(const Params& params, const CreateContext&) : kl_(params.get_string("measure") == "kl") {}
  std::uint32_t needs() const override { return kNeedCommittee; }

 protected:
  at::Tensor score(const PoolBatch& batch) override {
    if (batch.committee_logits.size(0) < 2)
      throw std::runtime_error("committee has " + std::to_string(batch.committee_logits.size(0)) +
                               " member(s); it needs earlier generations (use it from generation 1 on)");
    return kl_ ? uncertainty::kl_to_consensus(batch.committee_logits) : uncertainty::vote_entropy(batch.committee_logits);
  }

 private:
  bool kl_;
};

}  // namespace alchain::plugins
