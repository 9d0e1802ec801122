// Shard checksums and the header checks of --resume: a damaged file is refused with its name, never handed to HDF5 blind.
#include "alchain/results/resume_checks.hpp"

#include <zlib.h>

#include <cinttypes>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "alchain/util/format.hpp"
#include "h5_util.hpp"

namespace alchain {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxSumFileBytes = 128;

/// The whole file, or false when it cannot be read.
bool read_all(const fs::path& p, std::vector<unsigned char>& out, std::size_t limit) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  out.clear();
  char buf[1 << 16];
  while (f) {
    f.read(buf, sizeof buf);
    out.insert(out.end(), buf, buf + f.gcount());
    if (out.size() > limit) return false;
  }
  return !f.bad();
}

std::uint32_t crc_of(const void* bytes, std::size_t size) {
  return static_cast<std::uint32_t>(crc32_z(crc32_z(0L, Z_NULL, 0), static_cast<const unsigned char*>(bytes), size));
}

/// "crc32 <8 lowercase hex digits> size <decimal>\n", exactly.
std::string format_sum(std::uint32_t crc, std::uint64_t size) {
  return format("crc32 %08" PRIx32 " size %" PRIu64 "\n", crc, size);
}

bool parse_sum(const std::vector<unsigned char>& text, std::uint32_t& crc, std::uint64_t& size) {
  const std::string s(text.begin(), text.end());
  if (s.size() < 17 || s.compare(0, 6, "crc32 ") != 0 || s.compare(14, 6, " size ") != 0) return false;
  std::uint64_t c = 0;
  for (std::size_t i = 6; i < 14; ++i) {
    const char ch = s[i];
    const int digit = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : -1;
    if (digit < 0) return false;
    c = c * 16 + static_cast<std::uint64_t>(digit);
  }
  std::size_t i = 20;
  std::uint64_t n = 0;
  if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (n > (std::uint64_t{1} << 50)) return false;
    n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
  }
  if (i + 1 != s.size() || s[i] != '\n') return false;
  crc = static_cast<std::uint32_t>(c);
  size = n;
  return s == format_sum(crc, size);  // only the form write_shard writes ("size 00" is not it)
}

/// The first line in which two plan descriptions differ, for a refusal's reason.
std::string first_difference(const std::string& file_plan, const std::string& this_plan) {
  std::istringstream a(file_plan), b(this_plan);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la)), hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "the plans differ";
    if (la != lb || ha != hb)
      return "first difference, plan line " + std::to_string(line) + ":\n  file:     " + (ha ? la : "(end)") +
             "\n  pipeline: " + (hb ? lb : "(end)");
  }
}

}  // namespace

fs::path shard_checksum_path(const fs::path& shard) { return fs::path(shard.string() + ".sum"); }

std::string shard_checksum_line(const void* bytes, std::size_t size) {
  return format_sum(crc_of(bytes, size), size);
}

std::string shard_checksum_problem(const fs::path& shard) {
  const fs::path sum_file = shard_checksum_path(shard);
  std::vector<unsigned char> text;
  std::error_code ec;
  if (!fs::exists(sum_file, ec)) return "damaged trial shard (no checksum file " + sum_file.filename().string() + ")";
  std::uint32_t crc = 0;
  std::uint64_t size = 0;
  if (!read_all(sum_file, text, kMaxSumFileBytes) || !parse_sum(text, crc, size))
    return "damaged trial shard (its checksum file " + sum_file.filename().string() + " is damaged)";
  const std::uintmax_t actual = fs::file_size(shard, ec);
  if (ec || actual != size) return "damaged trial shard (checksum mismatch: size)";
  std::vector<unsigned char> bytes;
  if (!read_all(shard, bytes, static_cast<std::size_t>(size))) return "damaged trial shard (cannot be read)";
  if (bytes.size() != size || crc_of(bytes.data(), bytes.size()) != crc)
    return "damaged trial shard (checksum mismatch)";
  return "";
}

ShardState read_shard_state(const fs::path& p) {
  ShardState st;
  st.problem = shard_checksum_problem(p);
  if (!st.problem.empty()) {
    st.damaged = true;
    return st;
  }
  try {
    H5::H5File f = h5::open(p, false);
    H5::Group t = f.openGroup("trial");
    if (!t.attrExists("complete") || h5::read_int_attr(t, "complete") != 1) {
      st.problem = "a trial shard that was cut short";
      return st;
    }
    st.fingerprint = h5::read_string_attr(t, "plan_fingerprint");
    st.threads = h5::read_int_attr(t, "threads");
    st.complete = true;
  } catch (const H5::Exception& e) {
    st.complete = false;
    st.problem = "a trial shard that cannot be read as complete (" + e.getDetailMsg() + ")";
  }
  return st;
}

ResultFileState check_result_header(const fs::path& file, const std::string& plan_fingerprint,
                                    const std::string& plan_text, std::int64_t trial_threads, bool merge) {
  try {
    H5::H5File f = h5::open(file, false);
    H5::Group root = f.openGroup("/");
    if (!root.attrExists("format") || h5::read_string_attr(root, "format") != "alchain-results")
      throw std::runtime_error(file.string() + ": not an alchain result file; nothing was changed");
    const std::int64_t layout = h5::read_int_attr(root, "layout");
    if (layout != kResultLayout)
      throw std::runtime_error(file.string() + ": written by another alchain result layout (" + std::to_string(layout) +
                               "); it cannot be resumed");
    const std::string fp = h5::read_string_attr(root, "plan_fingerprint");
    if (fp != plan_fingerprint)
      throw std::runtime_error(file.string() + ": was written by another plan (fingerprint " + fp +
                               ", the pipeline's is " + plan_fingerprint + "); refusing to " + (merge ? "replace" : "resume") + " it, nothing was changed. " +
                               first_difference(h5::read_string_attr(root, "plan"), plan_text));
    const std::int64_t tt = h5::read_int_attr(root, "trial_threads");
    if (tt != trial_threads)
      throw std::runtime_error(file.string() + ": its trials ran with " + std::to_string(tt) +
                               " compute threads each, this " + std::string(merge ? "merge" : "run") + " would use " + std::to_string(trial_threads) +
                               "; results are bitwise reproducible only at the same thread count: " +
                               (merge ? "its trials cannot be merged into it"
                                      : "resume with --threads and --jobs that give " + std::to_string(tt) + " per trial"));
    return h5::read_string_attr(root, "status") == "complete" ? ResultFileState::complete : ResultFileState::running;
  } catch (const H5::Exception&) {
    return ResultFileState::unreadable;  // cut short mid-write: rebuilt from the shards
  }
}

}  // namespace alchain
