// The lock of one result file, shared by run and merge: one writer per result file.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace alchain {

/// One run per result file: an exclusive flock on `<output>.lock`, released when the process
/// ends however it ends, so a second `run --resume` cannot rebuild a file the first still writes.
class RunLock {
 public:
  explicit RunLock(const std::filesystem::path& output) : path_(output.string() + ".lock") {
    if (output.has_parent_path()) std::filesystem::create_directories(output.parent_path());
    fd_ = ::open(path_.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error(path_ + ": cannot create the run's lock file: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw std::runtime_error(output.string() + ": another alchain run is writing this file (it holds " + path_ +
                               "); wait for it to end, or stop it");
    }
  }
  ~RunLock() {
    ::unlink(path_.c_str());  // while still held: a run that starts now creates and locks a new one
    ::close(fd_);
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace alchain
