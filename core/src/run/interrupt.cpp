// The SIGINT/SIGTERM flag, its self-pipe, and the sections a second signal must not cut short.
#include "alchain/run/interrupt.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace alchain {

namespace {

// Lock-free atomics only: the handler may touch nothing else.
std::atomic<int> g_signal{0};        // the first signal, 0 until one arrives
std::atomic<int> g_die{0};           // a second signal that arrived inside a write section
std::atomic<int> g_writing{0};       // open write sections
std::atomic<int> g_pipe_write{-1};
std::atomic<bool> g_escalate{true};  // false for workers: their parent escalates
int g_pipe_read = -1;

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

[[noreturn]] void die_by(int sig) {
  ::signal(sig, SIG_DFL);
  // Called from the handler, the signal is blocked in this thread (the handler's own signal and its
  // sa_mask): unblock it, or raise() leaves it pending and the process would end by _exit instead.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);  // not reached: the default action of SIGINT and SIGTERM ends the process
}

void on_signal(int sig) {
  const int saved = errno;
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) {
    const int fd = g_pipe_write.load();
    if (fd >= 0) {
      const ssize_t n = ::write(fd, "!", 1);  // a full pipe already says it
      (void)n;
    }
  } else if (g_escalate.load()) {
    g_die.store(sig);
    if (g_writing.load() == 0) die_by(sig);  // else ~WriteSection ends the process
  }
  errno = saved;
}

}  // namespace

void install_interrupt_handlers(InterruptRole role) {
  if (g_pipe_read < 0) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
      g_pipe_read = fds[0];
      g_pipe_write.store(fds[1]);
    }
  }
  g_escalate.store(role == InterruptRole::run);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = SA_RESTART;  // reads and writes in progress (HDF5's) go on; poll() still wakes up
  if (role == InterruptRole::worker) {
    ::signal(SIGINT, SIG_IGN);
  } else {
    ::sigaction(SIGINT, &sa, nullptr);
  }
  ::sigaction(SIGTERM, &sa, nullptr);
}

int interrupt_signal() { return g_signal.load(); }

int interrupt_fd() { return g_pipe_read; }

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

void check_interrupt() {
  if (const int s = g_signal.load()) throw Interrupted(s, "interrupted by " + signal_name(s));
}

WriteSection::WriteSection() { g_writing.fetch_add(1); }

WriteSection::~WriteSection() {
  if (g_writing.fetch_sub(1) == 1)
    if (const int s = g_die.load()) die_by(s);
}

}  // namespace alchain
