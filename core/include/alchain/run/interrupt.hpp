/// SIGINT and SIGTERM as a flag that long work checks at safe points, so a stopped run finishes the
/// write in progress, starts nothing new and says how to continue (docs/failures.md).
#pragma once

#include <stdexcept>
#include <string>

namespace alchain {

/// Thrown at a safe point once SIGINT or SIGTERM arrived; never from the signal handler itself.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& what) : std::runtime_error(what), signal_(signal) {}
  int signal() const { return signal_; }
  /// What a shell reports for a process ended by the signal: 130 for SIGINT, 143 for SIGTERM.
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

enum class InterruptRole {
  /// `alchain run`: the first SIGINT or SIGTERM sets the flag; a second one ends the process at once
  /// (after the write in progress, if one is).
  run,
  /// A worker of `run --jobs`: SIGINT is ignored (a terminal's Ctrl-C reaches the whole process
  /// group, and the parent decides), SIGTERM from the parent sets the flag.
  worker,
};

/// Installs the handlers (async-signal-safe: they store the signal and write a byte to a pipe).
void install_interrupt_handlers(InterruptRole role);

/// The signal that arrived (SIGINT or SIGTERM), or 0.
int interrupt_signal();

/// A descriptor that becomes readable when a signal arrives, for poll(); -1 before the handlers are
/// installed. A signal that lands just before poll() is not missed.
int interrupt_fd();

/// Throws Interrupted ("interrupted by SIGINT") if a signal arrived. Cheap: one atomic load.
void check_interrupt();

/// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

/// Marks a write that must not be cut short: a second signal during it ends the process only
/// when the outermost section ends. Sections nest.
class WriteSection {
 public:
  WriteSection();
  ~WriteSection();
  WriteSection(const WriteSection&) = delete;
  WriteSection& operator=(const WriteSection&) = delete;
};

}  // namespace alchain
