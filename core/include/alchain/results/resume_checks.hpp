/// What `--resume` reads of a result file and of its trial shards before it trusts them: shard
/// checksums (verified before HDF5 sees a byte), shard states and the result file's header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace alchain {

/// The result file layout this alchain writes and resumes (docs/hdf5.md).
constexpr int kResultLayout = 2;

/// `<shard>.sum`: the checksum file beside a trial shard.
std::filesystem::path shard_checksum_path(const std::filesystem::path& shard);

/// The content of a shard's checksum file for the shard's bytes: "crc32 <8 hex digits> size <bytes>\n".
std::string shard_checksum_line(const void* bytes, std::size_t size);

/// Checks a shard's bytes against its checksum file; "" when they match, otherwise why not
/// ("damaged trial shard (checksum mismatch)", "no checksum file ...").
std::string shard_checksum_problem(const std::filesystem::path& shard);

/// A shard's state: complete (and of which plan, run with how many threads) or not, and why not.
struct ShardState {
  bool complete = false;
  bool damaged = false;  ///< its bytes do not match its checksum (or it has none): HDF5 never opened it
  std::string fingerprint;
  std::int64_t threads = 0;
  std::string problem;  ///< why it is not complete
};

/// Verifies the shard's checksum, and only then opens it with HDF5 to read `complete`,
/// `plan_fingerprint` and `threads` of its `trial` group. Never throws on a bad shard.
ShardState read_shard_state(const std::filesystem::path& shard);

enum class ResultFileState { unreadable, running, complete };

/// The result file's header checks of `--resume`: throws std::runtime_error naming the file when
/// it is not an alchain result file, has another layout, plan (`plan_fingerprint`, with the first
/// line of `plan_text` that differs) or `trial_threads`; `unreadable` when HDF5 cannot read it
/// (cut short mid-write: it is rebuilt from the shards). `merge`: the messages say that a merge
/// refuses to replace the file.
ResultFileState check_result_header(const std::filesystem::path& file, const std::string& plan_fingerprint,
                                    const std::string& plan_text, std::int64_t trial_threads, bool merge = false);

}  // namespace alchain
