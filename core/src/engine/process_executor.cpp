// Runs trials in worker processes of this machine, each with its share of the cores.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "alchain/engine/executor.hpp"
#include "alchain/run/interrupt.hpp"

namespace alchain {

namespace {

struct Worker {
  pid_t pid = -1;
  int to = -1;    ///< its stdin
  int from = -1;  ///< its stdout
  std::string buffer;
  std::string trial;  ///< the trial it runs, "" when idle
};

class ProcessExecutor final : public Executor {
 public:
  ProcessExecutor(const WorkerCommand& cmd, int jobs) {
    for (int i = 0; i < jobs; ++i) workers_.push_back(spawn(cmd, i));
  }
  ~ProcessExecutor() override {
    for (Worker& w : workers_) {
      if (w.to >= 0) ::close(w.to);
      if (w.pid > 0 && !w.trial.empty()) ::kill(w.pid, SIGTERM);  // an error stopped the run: do not finish its trial
    }
    for (Worker& w : workers_) {
      int status = 0;
      if (w.pid > 0) ::waitpid(w.pid, &status, 0);  // -1 would reap any child
      if (w.from >= 0) ::close(w.from);
    }
  }
  int slots() const override { return static_cast<int>(workers_.size()); }

  void submit(const Trial& t) override {
    for (Worker& w : workers_) {
      if (!w.trial.empty()) continue;
      const std::string line = t.id + "\n";
      if (::write(w.to, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("worker " + std::to_string(w.pid) + " does not take trials (it exited?)");
      w.trial = t.id;
      return;
    }
    throw std::logic_error("submit() with every worker busy");
  }

  TrialDone wait() override {
    for (;;) {
      for (Worker& w : workers_) {
        if (w.trial.empty()) continue;
        const auto nl = w.buffer.find('\n');
        if (nl == std::string::npos) continue;
        const std::string line = w.buffer.substr(0, nl);
        w.buffer.erase(0, nl + 1);
        return parse(w, line);
      }
      std::vector<pollfd> fds;
      std::vector<Worker*> who;
      for (Worker& w : workers_)
        if (!w.trial.empty()) {
          fds.push_back({w.from, POLLIN, 0});
          who.push_back(&w);
        }
      if (fds.empty()) throw std::logic_error("wait() with no trial running");
      // SIGINT/SIGTERM wake the poll through the interrupt pipe, even one that lands just before it;
      // the destructor then stops the busy workers.
      if (interrupt_fd() >= 0) fds.push_back({interrupt_fd(), POLLIN, 0});
      check_interrupt();
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
      }
      check_interrupt();
      for (std::size_t i = 0; i < who.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          who[i]->buffer.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
          Worker& w = *who[i];
          int status = 0;
          ::waitpid(w.pid, &status, 0);
          const std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                                      : "exited with status " + std::to_string(WEXITSTATUS(status));
          TrialDone d;
          d.id = w.trial;
          d.error = "worker process " + std::to_string(w.pid) + " " + how + " while running trial " + w.trial;
          w.trial.clear();
          ::close(w.from);
          ::close(w.to);
          w.from = w.to = -1;
          w.pid = -1;
          return d;
        }
      }
    }
  }

 private:
  static TrialDone parse(Worker& w, const std::string& line) {
    TrialDone d;
    d.id = w.trial;
    w.trial.clear();
    const auto sp1 = line.find(' '), sp2 = line.find(' ', sp1 + 1);
    const std::string verb = line.substr(0, sp1), id = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string rest = sp2 == std::string::npos ? "" : line.substr(sp2 + 1);
    if (id != d.id) {
      d.error = "worker answered for trial '" + id + "' while running '" + d.id + "': " + line;
    } else if (verb == "done") {
      d.seconds = std::atof(rest.c_str());
    } else {
      d.error = rest.empty() ? line : rest;
    }
    return d;
  }

  /// Worker `index` (0 .. jobs-1): its index picks its device among run.devices or the GPUs.
  static Worker spawn(const WorkerCommand& cmd, int index) {
    std::vector<std::string> args{cmd.exe, "worker", cmd.pipeline, "--shard-dir", cmd.shard_dir.string(),
                                  "--fingerprint", cmd.fingerprint, "--threads", std::to_string(cmd.threads),
                                  "--worker-index", std::to_string(index)};
    for (const auto& d : cmd.plugin_dirs) {
      args.push_back("--plugin-path");
      args.push_back(d);
    }
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      // A worker must not outlive the run that feeds it (a killed run is resumed, not doubled).
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      ::signal(SIGINT, SIG_IGN);  // from exec on: a terminal's Ctrl-C is the parent's to handle
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    Worker w;
    w.pid = pid;
    w.to = in[1];
    w.from = out[0];
    return w;
  }

  std::vector<Worker> workers_;
};

}  // namespace

std::unique_ptr<Executor> make_process_executor(const WorkerCommand& command, int jobs) {
  ::signal(SIGPIPE, SIG_IGN);  // a dead worker is reported by write(), not by a signal
  return std::make_unique<ProcessExecutor>(command, jobs);
}

}  // namespace alchain
