// Temporary file, sync, rename: the atomic replacement every writer of the results layer shares.
#include "atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace alchain {

namespace fs = std::filesystem;

void fsync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw std::runtime_error(p.string() + ": cannot open to sync it to disk");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error(p.string() + ": cannot sync to disk (is the disk full?)");
}

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write, const std::string& suffix) {
  const fs::path tmp = fs::path(path.string() + suffix);
  try {
    write(tmp);
    // Synced before the rename: after a crash the name points at the whole new file or the old one.
    fsync_path(tmp, false);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);  // a half-built file is nothing anyone should find and read
    throw;
  }
  fs::rename(tmp, path);
  // The rename itself is durable only once the directory's entry is on disk (as write_shard does).
  fsync_path(path.parent_path().empty() ? fs::path(".") : path.parent_path(), true);
}

}  // namespace alchain
