/// One run on several ranks (torchrun, mpirun, srun): rank 0 leads. It decides which trials run,
/// announces each (with its inputs) to the other ranks, runs it with them and alone writes the
/// shards and the result file; ranks 1..N-1 follow its announcements and write nothing
/// (docs/cluster.md, "Ranks"). Every message is a broadcast from rank 0.
#pragma once

#include "alchain/engine/trial_runner.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plan/plan.hpp"

namespace alchain {

class Communicator;
class PluginRegistry;

/// Rank 0, before its first trial: the plan's fingerprint and the thread count, which every other
/// rank takes (a rank whose plan differs stops with an error naming both fingerprints).
void announce_start(Communicator& comm, const Plan& plan, int threads);

/// Rank 0, before it runs `trial` of `plan`: the other ranks run it too, with these inputs.
void announce_trial(Communicator& comm, const Plan& plan, const Trial& trial, const TrialInputs& inputs);

/// Rank 0, last, whatever happened: the other ranks stop (with status 0 if `ok`, else 1).
void announce_end(Communicator& comm, bool ok);

/// Ranks 1..N-1: load the dataset and plan (with `threads_option` as rank 0 does: -1 = the
/// pipeline's run.threads), then run the trials rank 0 announces, in its order and with its thread
/// count, until it announces the end; nothing is written. Returns the exit status rank 0 announced.
int follow_rank_zero(const Pipeline& pipeline, const PluginRegistry& registry, Communicator& comm, int threads_option);

}  // namespace alchain
