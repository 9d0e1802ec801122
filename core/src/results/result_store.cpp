// Shard files per trial, made durable before they count, and the result file assembled from them.
#include "alchain/results/result_store.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "alchain/run/fault_point.hpp"
#include "alchain/run/interrupt.hpp"
#include "alchain/results/resume_checks.hpp"
#include "alchain/version.hpp"
#include "atomic_file.hpp"
#include "h5_util.hpp"

namespace alchain {

namespace fs = std::filesystem;

namespace {

fs::path shard_path(const fs::path& dir, const std::string& id) { return dir / (id + ".h5"); }

[[noreturn]] void fail(const fs::path& p, const std::string& what, const H5::Exception& e) {
  const std::string cause = h5::take_system_error();  // "No space left on device", when HDF5 says
  throw std::runtime_error(p.string() + ": " + what + ": " + (cause.empty() ? e.getDetailMsg() : cause));
}

/// Writes `size` bytes to a new file and syncs it; on any failure removes it and throws naming the
/// file and the system's reason (a full disk, a size limit).
void write_bytes_synced(const fs::path& p, const char* data, std::size_t size, const std::string& what) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(p.string() + ": " + what + ": " + std::strerror(errno));
  int err = 0;
  for (std::size_t done = 0; done < size && !err;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (err) {
    ::unlink(p.c_str());  // nothing half-written stays behind
    throw std::runtime_error(p.string() + ": " + what + ": " + std::strerror(err));
  }
}

/// HDF5 1.10 crashes (SIGSEGV inside H5Ocopy) when a write fails during a copy, so a shard is
/// copied into `file` only when the disk and the process's file size limit leave room for it:
/// twice the shard plus 64 KiB, a wide margin over what the copy adds.
void check_room(const fs::path& file, const fs::path& shard, const std::string& what) {
  std::error_code ec;
  const std::uintmax_t need = 2 * fs::file_size(shard, ec) + (64u << 10);
  struct statvfs vfs {};
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (::statvfs(dir.c_str(), &vfs) == 0) {
    const std::uintmax_t free = static_cast<std::uintmax_t>(vfs.f_bavail) * vfs.f_frsize;
    if (free < need)
      throw std::runtime_error(file.string() + ": " + what + ": " + std::strerror(ENOSPC) + " (" + std::to_string(free) +
                               " bytes free, about " + std::to_string(need) + " needed)");
  }
  rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const std::uintmax_t size = fs::file_size(file, ec);
    if (size + need > limit.rlim_cur)
      throw std::runtime_error(file.string() + ": " + what + ": " + std::strerror(EFBIG) + " (the process may write files of " +
                               std::to_string(limit.rlim_cur) + " bytes; this one has " + std::to_string(size) +
                               " and needs about " + std::to_string(need) + " more)");
  }
}

/// Shards of a directory being resumed: complete ones of this plan count; temporary and
/// cut-short ones are discarded. Every shard is checked before anything is deleted, so a refusal
/// leaves the directory as it was.
std::set<std::string> discard_unfinished_shards(const fs::path& dir, const std::string& fingerprint, int trial_threads) {
  const std::set<std::string> complete = check_shards(dir, fingerprint, trial_threads, "resume");
  std::error_code ec;
  std::vector<fs::path> discard;
  for (const auto& e : fs::directory_iterator(dir)) {
    const fs::path p = e.path();
    if (p.extension() == ".tmp") discard.push_back(p);
    // a checksum whose shard was never renamed into place
    if (p.extension() == ".sum" && !fs::exists(fs::path(p).replace_extension(), ec)) discard.push_back(p);
  }
  for (const auto& p : discard) fs::remove(p, ec);
  return complete;
}

void write_round(H5::Group& g, const RoundRecord& r) {
  h5::int_attr(g, "stage", r.stage);
  h5::string_attr(g, "stage_name", r.stage_name);
  h5::string_attr(g, "model", r.model);
  h5::string_attr(g, "model_plugin", r.model_plugin);
  h5::string_attr(g, "model_params", r.model_params);
  h5::string_attr(g, "training", r.training);
  h5::string_attr(g, "policy", r.policy);
  h5::string_attr(g, "training_head", r.training_head);
  h5::int_attr(g, "cycle", r.cycle);
  h5::string_attr(g, "summary_row", r.summary_row);
  h5::uint_attr(g, "init_seed", r.init_seed);
  h5::uint_attr(g, "data_seed", r.data_seed);
  h5::int_attr(g, "num_labeled", static_cast<std::int64_t>(r.labeled.size()));
  h5::double_attr(g, "accuracy", r.accuracy);
  h5::double_attr(g, "miou", r.miou);
  h5::double_attr(g, "train_loss", r.train_loss);
  h5::int_attr(g, "epochs", r.epochs);
  h5::int_attr(g, "steps", r.steps);
  h5::int_attr(g, "model_parameters", r.model_parameters);
  h5::int_attr(g, "model_macs", r.model_macs);
  for (const auto& [k, v] : r.timings) h5::double_attr(g, k, v);
  h5::write_i64(g, "labeled", r.labeled);
  h5::write_f64(g, "per_class_accuracy", r.per_class_accuracy);
  h5::write_f64(g, "per_class_iou", r.per_class_iou);
  h5::write_i64_matrix(g, "confusion", r.confusion, static_cast<hsize_t>(r.per_class_iou.size()));
  if (r.has_selection) {
    h5::uint_attr(g, "policy_seed", r.policy_seed);
    h5::write_i64(g, "selected", r.selected);
    if (!r.scores.empty()) {
      h5::write_f32(g, "scores", r.scores);
      h5::write_i64(g, "score_ids", r.score_ids);
    }
  }
}

}  // namespace

fs::path shard_dir_for(const fs::path& output) { return fs::path(output.string() + ".trials"); }

std::set<std::string> check_shards(const fs::path& dir, const std::string& fingerprint, int trial_threads,
                                   const std::string& action) {
  std::set<std::string> ids;
  for (const auto& e : fs::directory_iterator(dir)) {
    const fs::path p = e.path();
    if (p.extension() != ".h5") continue;
    // A .h5 shard exists only after its synced rename, so one that does not read as complete
    // is damaged (or locked by another program): never delete it silently.
    const ShardState st = read_shard_state(p);
    if (st.damaged)
      throw std::runtime_error(p.string() + ": " + st.problem + "; move it away to redo that trial. Nothing was changed");
    if (!st.complete)
      throw std::runtime_error(p.string() + ": a trial shard that cannot be read as complete (damaged, or open in "
                               "another program); move it away to redo that trial. Nothing was changed");
    if (st.fingerprint != fingerprint)
      throw std::runtime_error(p.string() + ": a trial of another plan (fingerprint " + st.fingerprint +
                               ", the pipeline's is " + fingerprint + "); refusing to " + action +
                               ", nothing was changed");
    const std::string n = std::to_string(st.threads);
    if (st.threads != trial_threads)
      throw std::runtime_error(p.string() + ": this trial ran with " + n + " compute threads, this " +
                               (action == "merge" ? "merge" : "run") + " would use " + std::to_string(trial_threads) +
                               " per trial; results are bitwise reproducible only at the same thread count: " +
                               (action == "resume" ? "resume with --threads and --jobs that give " + n + " per trial"
                                                   : "pass --threads " + n) +
                               ". Nothing was changed");
    ids.insert(p.stem().string());
  }
  return ids;
}

void write_shard(const fs::path& dir, const TrialRecord& t, const std::string& plan_fingerprint) {
  h5::quiet();
  const WriteSection section;
  fs::create_directories(dir);
  const fs::path final_path = shard_path(dir, t.id);
  const fs::path tmp = fs::path(final_path.string() + ".tmp");
  // The shard is built in memory (HDF5's core driver) and written by write_bytes_synced: a full
  // disk is then an error of ours, with its reason, and not a file HDF5 failed to close.
  std::vector<char> image;
  try {
    H5::FileAccPropList in_memory;
    in_memory.setCore(1 << 20, false);
    H5::H5File f(tmp.string(), H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, in_memory);
    H5::Group g = f.createGroup("trial");
    h5::string_attr(g, "id", t.id);
    h5::string_attr(g, "kind", t.kind);
    h5::string_attr(g, "column", t.column);
    h5::string_attr(g, "source", t.source);
    h5::int_attr(g, "repeat", t.repeat);
    h5::int_attr(g, "threads", t.threads);
    h5::string_attr(g, "device", t.device);
    h5::double_attr(g, "seconds", t.seconds);
    h5::string_attr(g, "alchain_version", ALCHAIN_VERSION_STRING);
    h5::string_attr(g, "plan_fingerprint", plan_fingerprint);
    h5::int_attr(g, "rounds", static_cast<std::int64_t>(t.rounds.size()));
    for (std::size_t k = 0; k < t.rounds.size(); ++k) {
      H5::Group rg = g.createGroup("round_" + std::to_string(k));
      write_round(rg, t.rounds[k]);
    }
    h5::int_attr(g, "complete", 1);  // last: a shard without it was cut short
    g.close();
    f.flush(H5F_SCOPE_GLOBAL);
    const ssize_t size = H5Fget_file_image(f.getId(), nullptr, 0);
    if (size <= 0) throw H5::FileIException("H5Fget_file_image", "cannot take the shard's image");
    image.resize(static_cast<std::size_t>(size));
    if (H5Fget_file_image(f.getId(), image.data(), image.size()) != size)
      throw H5::FileIException("H5Fget_file_image", "cannot take the shard's image");
    f.close();
  } catch (const H5::Exception& e) {
    fail(tmp, "cannot write trial " + t.id, e);
  }
  write_bytes_synced(tmp, image.data(), image.size(), "cannot write trial " + t.id);
  // Its checksum goes beside it before the rename: --resume verifies a shard against it before
  // HDF5 reads a byte of the shard (HDF5 is not robust against damaged files).
  const fs::path sum = shard_checksum_path(final_path), sum_tmp = fs::path(sum.string() + ".tmp");
  const std::string sum_line = shard_checksum_line(image.data(), image.size());
  write_bytes_synced(sum_tmp, sum_line.data(), sum_line.size(), "cannot write the checksum of trial " + t.id);
  fs::rename(sum_tmp, sum);
  fault_point("shard-tmp");
  fs::rename(tmp, final_path);
  fsync_path(dir, true);
  fault_point("shard");
}

bool shard_written(const fs::path& dir, const std::string& trial_id) {
  std::error_code ec;
  return fs::exists(shard_path(dir, trial_id), ec);
}

std::vector<std::int64_t> read_labeling_order(const fs::path& dir, const std::string& trial_id) {
  const fs::path p = shard_path(dir, trial_id);
  if (const std::string why = shard_checksum_problem(p); !why.empty())
    throw std::runtime_error(p.string() + ": " + why + "; cannot read the picks of trial " + trial_id);
  try {
    H5::H5File f = h5::open(p, false);
    H5::Group t = f.openGroup("trial");
    const std::int64_t rounds = h5::read_int_attr(t, "rounds");
    if (rounds < 1) throw std::runtime_error(p.string() + ": trial " + trial_id + " has no rounds");
    H5::Group last = t.openGroup("round_" + std::to_string(rounds - 1));
    std::vector<std::int64_t> order = h5::read_i64(last, "labeled");
    if (last.nameExists("selected")) {
      const auto sel = h5::read_i64(last, "selected");
      order.insert(order.end(), sel.begin(), sel.end());
    }
    return order;
  } catch (const H5::Exception& e) {
    fail(p, "cannot read the picks of trial " + trial_id, e);
  }
}

ResultStore::ResultStore(fs::path path, const Plan& plan, const RunHeader& header, Mode mode)
    : path_(std::move(path)), dir_(shard_dir_for(path_)), plan_(plan), header_(header) {
  h5::quiet();
  std::error_code ec;
  if (mode == Mode::merge || mode == Mode::merge_partial) {
    const WriteSection section;
    merge(mode == Mode::merge_partial);
    remember_identity();
    return;
  }
  if (mode == Mode::resume) {
    const WriteSection section;
    rebuild();
    remember_identity();
    return;
  }
  if (mode == Mode::create) {
    if (fs::exists(path_, ec))
      throw std::runtime_error(path_.string() + ": result file exists; pass --resume to continue it or --overwrite to replace it");
    if (fs::exists(dir_, ec))
      throw std::runtime_error(dir_.string() + ": trials of an interrupted run are here; pass --resume to continue it or --overwrite to start over");
  } else {
    fs::remove_all(dir_, ec);
  }
  if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), ec);
  const WriteSection section;
  create_file(path_);
  remember_identity();
}

void ResultStore::remember_identity() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) device_ = st.st_dev, inode_ = st.st_ino;
}

void ResultStore::check_still_ours(int open_fd) {
  if (inode_ == 0) return;  // a file resumed as it was, or a rebuild in progress: nothing to compare yet
  struct stat st {};
  const bool gone = (open_fd >= 0 ? ::fstat(open_fd, &st) : ::stat(path_.c_str(), &st)) != 0;
  if (!gone && st.st_dev == device_ && st.st_ino == inode_) return;
  lost_ = true;
  const std::string trials = "; the finished trials are in " + dir_.string() + "/: ";
  if (gone)
    throw std::runtime_error(path_.string() + " was deleted during the run" + trials +
                             "alchain run --resume rebuilds the file from them");
  throw std::runtime_error(path_.string() + " was replaced during the run (it is not the file this run created); " +
                           "nothing was written to it" + trials + "move that file away, then alchain run --resume " +
                           "rebuilds the result file from them");
}

void ResultStore::create_file(const fs::path& file, const std::string& status) const {
  try {
    H5::H5File f(file.string(), H5F_ACC_TRUNC);
    H5::Group root = f.openGroup("/");
    h5::string_attr(root, "format", "alchain-results");
    h5::int_attr(root, "layout", kResultLayout);
    h5::string_attr(root, "alchain_version", ALCHAIN_VERSION_STRING);
    h5::string_attr(root, "status", status);
    h5::string_attr(root, "pipeline_name", header_.pipeline_name);
    h5::string_attr(root, "pipeline_path", header_.pipeline_path);
    h5::string_attr(root, "pipeline_toml", header_.pipeline_text);
    h5::string_attr(root, "dataset", header_.dataset);
    h5::string_list_attr(root, "class_names", header_.class_names);
    h5::string_attr(root, "task", header_.task);
    h5::string_attr(root, "metric", header_.metric);
    h5::int_attr(root, "threads", header_.threads);
    h5::int_attr(root, "trial_threads", header_.trial_threads);
    h5::int_attr(root, "jobs", header_.jobs);
    h5::string_attr(root, "plan_kind", to_string(plan_.kind));
    h5::string_attr(root, "plan_fingerprint", plan_.fingerprint);
    h5::string_attr(root, "plan", plan_.describe());
    h5::uint_list_attr(root, "seeds", plan_.seeds);
    h5::int_attr(root, "pool_size", plan_.pool_size);
    h5::int_attr(root, "initial", plan_.initial);
    h5::int_attr(root, "per_cycle", plan_.per_cycle);
    h5::string_list_attr(root, "rows", plan_.rows);
    h5::string_list_attr(root, "columns", plan_.columns);
    std::vector<std::string> ids;
    for (const Trial& t : plan_.trials) ids.push_back(t.id);
    h5::string_list_attr(root, "trial_ids", ids);
    f.createGroup("trials");
  } catch (const H5::Exception& e) {
    fail(file, "cannot create result file", e);
  }
}

void ResultStore::rebuild() {
  std::error_code ec;
  const bool have_file = fs::exists(path_, ec), have_dir = fs::is_directory(dir_, ec);
  if (!have_file && !have_dir)
    throw std::runtime_error(path_.string() + ": nothing to resume (no result file, no " + dir_.filename().string() +
                             "/); run without --resume");
  bool file_readable = false;
  if (have_file) {
    const ResultFileState state = check_result_header(path_, plan_.fingerprint, plan_.describe(), header_.trial_threads);
    file_readable = state != ResultFileState::unreadable;
    complete_ = state == ResultFileState::complete;
  }
  if (complete_) {
    for (const Trial& t : plan_.trials) done_.insert(t.id);
    return;
  }
  if (!have_dir && !file_readable)
    throw std::runtime_error(path_.string() + ": unreadable, and no " + dir_.filename().string() + "/ to rebuild it from");
  if (!have_dir) {  // a readable file without shards (removed by hand?): its trials are kept as they are
    try {
      H5::H5File f = h5::open(path_, false);
      H5::Group trials = f.openGroup("trials");
      for (const Trial& t : plan_.trials)
        if (trials.nameExists(t.id)) done_.insert(t.id);
    } catch (const H5::Exception& e) {
      fail(path_, "cannot list its trials", e);
    }
    // A pending train trial reads its source's picks from the source's shard, which is gone:
    // the source is redone (deterministically: its numbers are the same) to write it again.
    for (const Trial& t : plan_.trials)
      if (t.kind == TrialKind::train && t.source.picks() && !done_.count(t.id)) done_.erase(t.source.trial);
    return;
  }
  write_from_shards(discard_unfinished_shards(dir_, plan_.fingerprint, header_.trial_threads), "running");
}

void ResultStore::write_from_shards(const std::set<std::string>& shards, const std::string& status) {
  write_atomically(
      path_,
      [&](const fs::path& tmp) {
        create_file(tmp, status);
        for (const Trial& t : plan_.trials)
          if (shards.count(t.id)) done_.insert(t.id);
        const fs::path keep = path_;
        path_ = tmp;  // adopt() copies into path_
        for (const std::string& id : done_) adopt(id);
        path_ = keep;
      },
      ".rebuild");
}

void ResultStore::merge(bool partial) {
  std::error_code ec;
  if (fs::exists(path_, ec)) {  // never replaced by a merge of another plan or thread count
    complete_ = check_result_header(path_, plan_.fingerprint, plan_.describe(), header_.trial_threads, true) ==
                ResultFileState::complete;
    if (complete_) {
      for (const Trial& t : plan_.trials) done_.insert(t.id);
      return;
    }
  }
  if (!fs::is_directory(dir_, ec))
    throw std::runtime_error(dir_.string() + ": no trial shards to merge (run the trials first; alchain plan PIPELINE "
                             "--format lines lists their commands). Nothing was written");
  const std::set<std::string> shards = check_shards(dir_, plan_.fingerprint, header_.trial_threads, "merge");
  std::vector<std::string> missing;
  for (const Trial& t : plan_.trials)
    if (!shards.count(t.id)) missing.push_back(t.id);
  const std::string counts = std::to_string(plan_.trials.size() - missing.size()) + " of " +
                             std::to_string(plan_.trials.size()) + " trials";
  if (!missing.empty() && !partial) {
    std::string list;
    for (const auto& id : missing) list += (list.empty() ? "" : ", ") + id;
    throw std::runtime_error(dir_.string() + ": " + std::to_string(missing.size()) + " of " +
                             std::to_string(plan_.trials.size()) + " trials have no shard: " + list +
                             "; run them (alchain run PIPELINE -o " + path_.string() +
                             " --trial ID), or pass --partial to merge what is there. Nothing was written");
  }
  write_from_shards(shards, missing.empty() ? "complete" : "partial: " + counts + " merged");
}

void ResultStore::adopt(const std::string& id) {
  const fs::path shard = shard_path(dir_, id);
  const WriteSection section;
  check_still_ours();
  check_room(path_, shard, "cannot add trial " + id);
  try {
    H5::H5File src = h5::open(shard, false);
    H5::H5File dst = h5::open(path_, true);
    void* handle = nullptr;  // the descriptor HDF5 opened: still ours between the check and the open?
    if (H5Fget_vfd_handle(dst.getId(), H5P_DEFAULT, &handle) >= 0 && handle) check_still_ours(*static_cast<int*>(handle));
    H5::Group trials = dst.openGroup("trials");
    if (trials.nameExists(id)) trials.unlink(id);
    if (H5Ocopy(src.getId(), "trial", trials.getId(), id.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
      throw std::runtime_error(path_.string() + ": cannot copy trial " + id + " from " + shard.string());
    fault_point("adopt-open");
    trials.close();
    dst.close();  // explicitly, so a failed flush is an error here
    src.close();
  } catch (const H5::Exception& e) {
    fail(path_, "cannot add trial " + id, e);
  }
  fault_point("adopt");
  done_.insert(id);
}

void ResultStore::finish(const std::string& status) {
  if (lost_) return;  // the error that found it says so; the file there now is not ours to mark
  const WriteSection section;
  check_still_ours();
  try {
    H5::H5File f = h5::open(path_, true);
    H5::Group root = f.openGroup("/");
    h5::string_attr(root, "status", status);
    root.close();
    f.close();
  } catch (const H5::Exception& e) {
    fail(path_, "cannot write status", e);
  }
  if (status == "complete") {
    fsync_path(path_, false);
    // The shards are the durable copies: remove them only once the file reads back whole.
    try {
      H5::H5File f = h5::open(path_, false);
      H5::Group trials = f.openGroup("trials");
      for (const Trial& t : plan_.trials)
        if (!trials.nameExists(t.id))
          throw std::runtime_error(path_.string() + ": trial " + t.id + " is missing after the run; the shards in " +
                                   dir_.string() + " are kept (alchain run --resume rebuilds the file from them)");
    } catch (const H5::Exception& e) {
      fail(path_, "cannot read back the finished file; the shards in " + dir_.string() + " are kept", e);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

}  // namespace alchain
