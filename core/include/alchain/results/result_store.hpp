/// Where finished trials go: one shard file per trial (the completion marker), copied into the
/// run's result file as soon as the trial ends (layout: docs/hdf5.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "alchain/plan/plan.hpp"
#include "alchain/results/trial_record.hpp"

namespace alchain {

/// Root attributes of a result file.
struct RunHeader {
  std::string pipeline_name, pipeline_path, pipeline_text, dataset;
  std::vector<std::string> class_names;
  std::string task = "classification";  ///< the dataset's task
  std::string metric = "accuracy";      ///< the round attribute summaries compare: accuracy | miou
  int threads = 0;        ///< compute threads of the run
  int trial_threads = 0;  ///< compute threads each trial ran with (threads / jobs)
  int jobs = 1;
};

/// `<output>.trials/`: the shard directory of a result file.
std::filesystem::path shard_dir_for(const std::filesystem::path& output);

/// Writes a trial's shard atomically (temporary file, fsync, rename), its checksum file
/// `<dir>/<id>.h5.sum` first: once `<dir>/<id>.h5` exists, the trial is complete on disk,
/// whatever happens to the process afterwards.
void write_shard(const std::filesystem::path& dir, const TrialRecord& trial, const std::string& plan_fingerprint);

/// Checks every `<id>.h5` shard in `dir`, changing nothing: its bytes against its checksum file
/// first, then that it reads as complete, was written by the plan `fingerprint` and ran with
/// `trial_threads`. Throws on the first that is not, naming the shard and both values; `action`
/// ("resume", "merge", "run this trial") says what is refused. Returns the IDs of the shards.
std::set<std::string> check_shards(const std::filesystem::path& dir, const std::string& fingerprint, int trial_threads,
                                   const std::string& action);

/// Whether `<dir>/<id>.h5` exists: a shard appears only by its synced rename, so it is complete.
bool shard_written(const std::filesystem::path& dir, const std::string& trial_id);

/// The labeling order a select trial ended with (its last round's labeled set plus its picks).
std::vector<std::int64_t> read_labeling_order(const std::filesystem::path& dir, const std::string& trial_id);

class ResultStore {
 public:
  enum class Mode { create, overwrite, resume, merge, merge_partial };
  /// create: refuses an existing file or shard directory. overwrite: replaces them. resume:
  /// checks that the file (unless it is unreadable) and every shard (against its checksum first)
  /// came from the same plan and thread count, discards half-written shards, and rebuilds the
  /// file from the complete ones. merge (`alchain merge`): checks an existing file as resume does
  /// (a complete one is left as it is), checks every shard without deleting any, refuses when a
  /// trial has no shard, and builds the file from the shards with resume's rebuild, its status
  /// "complete". merge_partial: the same without the refusal, the status "partial: K of N trials
  /// merged" when trials are missing.
  ResultStore(std::filesystem::path path, const Plan& plan, const RunHeader& header, Mode mode);

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& shard_dir() const { return dir_; }
  bool done(const std::string& trial_id) const { return done_.count(trial_id) != 0; }
  std::size_t done_count() const { return done_.size(); }
  /// The file says "complete" already (a resume of a finished run).
  bool complete() const { return complete_; }

  /// Copies a shard that another process wrote into the result file. Refuses (throws) when the
  /// file was deleted or replaced since this store created or rebuilt it: nothing is written into
  /// a file that is not the run's own, and the shards stay for --resume.
  void adopt(const std::string& trial_id);
  /// Root attribute `status`: "complete" (then the shards, now redundant, are removed),
  /// "failed: <why>" or "interrupted by SIGINT". Writes nothing once the file was found deleted
  /// or replaced.
  void finish(const std::string& status);

 private:
  void create_file(const std::filesystem::path& file, const std::string& status = "running") const;
  void rebuild();
  void merge(bool partial);
  /// The one rebuild of --resume and merge: a new file with `status` and the trials of `shards`
  /// (checked before), written beside path_ and renamed over it (write_atomically).
  void write_from_shards(const std::set<std::string>& shards, const std::string& status);
  /// Notes the device and inode of path_, the file this store writes.
  void remember_identity();
  /// Throws if path_ is no longer the file this store made (device and inode differ, or it is gone).
  void check_still_ours(int open_fd = -1);

  std::uint64_t device_ = 0, inode_ = 0;  ///< of the result file this store made (0: none yet)
  bool lost_ = false;                    ///< the file was deleted or replaced: write nothing more

  std::filesystem::path path_, dir_;
  const Plan& plan_;
  RunHeader header_;
  std::set<std::string> done_;
  bool complete_ = false;
};

}  // namespace alchain
