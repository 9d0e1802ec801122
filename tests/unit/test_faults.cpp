// Faults during a run of the real alchain binary: SIGINT/SIGTERM, a full disk, a read-only output
// directory, a result file deleted or replaced mid-run; each stopped at a named point, not by a timer.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iomanip>
#include <map>
#include <sstream>

#include <doctest/doctest.h>

#include "h5_read.hpp"
#include "test_support.hpp"

extern char** environ;

using namespace alchain;
namespace fs = std::filesystem;

namespace {

// Six trials (two repeats: a chain and two random trainings each), a few seconds in all. One thread
// per trial, so runs with --jobs 2 --threads 2 give the same numbers as runs in one process.
const char* kPipeline = R"(schema = 1
name = "faults"
[run]
seed = 7
threads = 1
repeats = 2
[dataset]
plugin = "fashion_mnist"
[dataset.params]
train_limit = 1000
test_limit = 200
[budget]
initial = 100
per_cycle = 50
cycles = 1
[training]
epochs = 3
batch_size = 32
[[generation]]
name = "gen0"
model = "mlp"
policy = "entropy"
[generation.model_params]
hidden = [32]
[[generation]]
name = "gen1"
model = "mlp"
cycles = 0
[generation.model_params]
hidden = [16]
)";

const char* kAssessment = R"(schema = 1
name = "faults_assessment"
[run]
seed = 1
threads = 1
[dataset]
plugin = "fashion_mnist"
[dataset.params]
train_limit = 2000
test_limit = 200
[training]
epochs = 2
batch_size = 32
[assessment]
model = "mlp"
train = 200
calibration = 100
oracle = "confidence"
windows = 3
window_size = 300
retrain = true
[assessment.sampling]
design = "srs"
estimator = "srs_wilson"
budget = 30
)";

/// How a child is started: arguments after the executable, extra environment, a file size limit
/// (with SIGXFSZ ignored, so writes past it fail with EFBIG), its own process group, a wrapper.
struct Launch {
  std::vector<std::string> args;
  std::vector<std::string> env;
  rlim_t file_size_limit = RLIM_INFINITY;
  bool own_group = false;
  std::vector<std::string> wrapper;  ///< e.g. setpriv ... in front of alchain
};

/// Starts alchain with stdout and stderr into `log`. Everything the child needs is built before
/// fork: between fork and exec it calls only async-signal-safe functions.
pid_t launch(const Launch& l, const fs::path& log) {
  std::vector<std::string> argv_s = l.wrapper;
  argv_s.push_back(alchain::test::kAlchainExe);
  argv_s.insert(argv_s.end(), l.args.begin(), l.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "ALCHAIN_FAULT=", 14) != 0) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), l.env.begin(), l.env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (l.own_group) ::setpgid(0, 0);
    if (l.file_size_limit != RLIM_INFINITY) {
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit r{l.file_size_limit, l.file_size_limit};
      ::setrlimit(RLIMIT_FSIZE, &r);
    }
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

/// Waits for the child to end: its exit code, or 128 + the signal that ended it (`signaled` says which).
int wait_end(pid_t pid, bool* signaled = nullptr) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (signaled) *signaled = WIFSIGNALED(st);
  return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/// Waits until the child stops itself at its fault point (ALCHAIN_FAULT=<point>:<n>:stop).
bool wait_stopped(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, WUNTRACED) < 0 && errno == EINTR) {
  }
  return WIFSTOPPED(st);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// Each round of each trial in a result file: accuracy, labeled set and picks, as text.
std::map<std::string, std::string> digest(const fs::path& file) {
  std::map<std::string, std::string> out;
  H5::H5File f = test::open_h5(file.string());
  H5::Group trials = f.openGroup("/trials");
  for (hsize_t i = 0; i < trials.getNumObjs(); ++i) {
    const std::string id = trials.getObjnameByIdx(i);
    H5::Group t = trials.openGroup(id);
    for (hsize_t k = 0; k < t.getNumObjs(); ++k) {
      const std::string round = t.getObjnameByIdx(k);
      const std::string path = "/trials/" + id + "/" + round;
      std::ostringstream s;
      s << std::setprecision(17) << test::attr_double(t.openGroup(round), "accuracy") << " |";
      for (auto x : test::read_i64(f, path + "/labeled")) s << ' ' << x;
      if (f.nameExists(path + "/selected")) {
        s << " |";
        for (auto x : test::read_i64(f, path + "/selected")) s << ' ' << x;
      }
      out[id + "/" + round] = s.str();
    }
  }
  return out;
}

std::string root_status(const fs::path& file) {
  H5::H5File f = test::open_h5(file.string());
  return test::attr_string(f.openGroup("/"), "status");
}

std::size_t trials_in_file(const fs::path& file) {
  H5::H5File f = test::open_h5(file.string());
  return f.openGroup("/trials").getNumObjs();
}

/// The shards of a run: every one must read as complete; a temporary one must not be left.
std::size_t complete_shards(const fs::path& out) {
  const fs::path dir = out.string() + ".trials";
  std::size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    INFO(e.path().string());
    CHECK(e.path().extension() != ".tmp");
    if (e.path().extension() != ".h5") continue;  // a shard's checksum beside it
    H5::H5File f = test::open_h5(e.path().string());
    std::int64_t complete = 0;
    f.openGroup("trial").openAttribute("complete").read(H5::PredType::NATIVE_INT64, &complete);
    CHECK(complete == 1);
    ++n;
  }
  return n;
}

/// The pipeline file and the numbers of an uninterrupted run of it, made once.
struct Reference {
  test::TempDir dir;
  fs::path pipeline, result;
  std::map<std::string, std::string> rounds;
  std::uintmax_t size = 0;
};

const Reference& reference() {
  static Reference* r = [] {
    auto* ref = new Reference();
    ref->pipeline = ref->dir / "faults.toml";
    test::write_file(ref->pipeline, kPipeline);
    ref->result = ref->dir / "reference.h5";
    const auto run = test::run_cli("run -q " + ref->pipeline.string() + " -o " + ref->result.string());
    REQUIRE_MESSAGE(run.status == 0, run.output);
    ref->rounds = digest(ref->result);
    ref->size = fs::file_size(ref->result);
    return ref;
  }();
  REQUIRE(r->rounds.size() == 10);  // per repeat: chain (3 rounds) and two random trainings
  return *r;
}

/// Resumes `out` (with `extra` options) and checks it ends with the uninterrupted run's numbers.
void resume_matches_reference(const fs::path& out, const std::string& extra = "") {
  const Reference& ref = reference();
  const auto r = test::run_cli("run -q " + ref.pipeline.string() + " -o " + out.string() + " --resume" + extra);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(root_status(out) == "complete");
  CHECK(digest(out) == ref.rounds);
  CHECK_FALSE(fs::exists(out.string() + ".trials"));
}

/// Live processes whose command line mentions `needle` (a run's workers name its shard directory).
std::vector<std::string> processes_mentioning(const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = test::read_file(e.path() / "cmdline");
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    if (contains(cmd, needle)) found.push_back(name + ": " + cmd);
  }
  return found;
}

}  // namespace

TEST_CASE("SIGINT between trials: the finished trial is saved, nothing new starts, exit 130, --resume matches") {
  const Reference& ref = reference();
  test::TempDir dir;
  const fs::path out = dir / "r.h5", log = dir / "log";
  // The run stops itself right after the first trial is in the file; then a real SIGINT arrives.
  const pid_t pid = launch({{"run", ref.pipeline.string(), "-o", out.string()}, {"ALCHAIN_FAULT=adopt:1:stop"}}, log);
  REQUIRE(wait_stopped(pid));
  ::kill(pid, SIGINT);
  ::kill(pid, SIGCONT);
  CHECK(wait_end(pid) == 130);
  const std::string said = test::read_file(log);
  INFO(said);
  CHECK(contains(said, "alchain: interrupted by SIGINT: 1 of 6 trials finished and saved in " + out.string() +
                           "; continue with: alchain run " + ref.pipeline.string() + " -o " + out.string() + " --resume"));
  CHECK_FALSE(contains(said, "[2/6]"));  // no second trial was started and finished
  CHECK(root_status(out) == "interrupted by SIGINT");
  CHECK(trials_in_file(out) == 1);
  CHECK(complete_shards(out) == 1);
  CHECK_FALSE(fs::exists(out.string() + ".lock"));  // released and removed
  resume_matches_reference(out);
}

TEST_CASE("SIGTERM during training stops the trial at its next batch: exit 143, nothing half-written") {
  const Reference& ref = reference();
  test::TempDir dir;
  const fs::path out = dir / "r.h5", log = dir / "log";
  const pid_t pid = launch({{"run", ref.pipeline.string(), "-o", out.string()}, {"ALCHAIN_FAULT=epoch:1:stop"}}, log);
  REQUIRE(wait_stopped(pid));  // the first epoch of the first trial has ended
  ::kill(pid, SIGTERM);
  ::kill(pid, SIGCONT);
  CHECK(wait_end(pid) == 143);
  const std::string said = test::read_file(log);
  INFO(said);
  CHECK(contains(said, "alchain: interrupted by SIGTERM: 0 of 6 trials finished and saved in " + out.string()));
  CHECK(root_status(out) == "interrupted by SIGTERM");
  CHECK(trials_in_file(out) == 0);
  CHECK(complete_shards(out) == 0);
  resume_matches_reference(out);
}

TEST_CASE("a second signal ends the run at once; the files it leaves still resume to the same numbers") {
  const Reference& ref = reference();
  test::TempDir dir;
  const fs::path out = dir / "r.h5", log = dir / "log";
  const pid_t pid = launch({{"run", ref.pipeline.string(), "-o", out.string()}, {"ALCHAIN_FAULT=adopt:1:stop"}}, log);
  REQUIRE(wait_stopped(pid));  // the first trial is saved
  ::kill(pid, SIGINT);
  ::kill(pid, SIGTERM);  // both are pending; the one handled second ends the process
  ::kill(pid, SIGCONT);
  bool signaled = false;
  const int code = wait_end(pid, &signaled);
  CHECK(signaled);
  CHECK((code == 128 + SIGINT || code == 128 + SIGTERM));
  CHECK(trials_in_file(out) == 1);
  CHECK(complete_shards(out) == 1);
  resume_matches_reference(out);
}

TEST_CASE("Ctrl-C with --jobs 2: workers are stopped and reaped, the lock released, --resume matches") {
  const Reference& ref = reference();
  test::TempDir dir;
  const fs::path out = dir / "r.h5", log = dir / "log";
  Launch l{{"run", ref.pipeline.string(), "-o", out.string(), "--threads", "2", "--jobs", "2"},
           {"ALCHAIN_FAULT=adopt:1:stop"}};
  l.own_group = true;  // as a shell job: a terminal's Ctrl-C reaches the whole group, workers too
  const pid_t pid = launch(l, log);
  REQUIRE(wait_stopped(pid));
  ::kill(-pid, SIGINT);
  ::kill(-pid, SIGCONT);
  CHECK(wait_end(pid) == 130);
  const std::string said = test::read_file(log);
  INFO(said);
  CHECK(contains(said, "alchain: interrupted by SIGINT: "));
  CHECK(contains(said, " of 6 trials finished and saved in " + out.string() + "; continue with: alchain run " +
                           ref.pipeline.string() + " -o " + out.string() + " --threads 2 --jobs 2 --resume"));
  CHECK(processes_mentioning(out.string() + ".trials").empty());
  CHECK_FALSE(fs::exists(out.string() + ".lock"));
  CHECK(root_status(out) == "interrupted by SIGINT");
  CHECK(trials_in_file(out) >= 1);
  CHECK(complete_shards(out) >= trials_in_file(out));  // a worker may have finished one more meanwhile
  resume_matches_reference(out, " --threads 2 --jobs 2");
}

TEST_CASE("a file size limit mid-run: a clear error naming the file, the finished trials kept, --resume matches") {
  const Reference& ref = reference();
  test::TempDir dir;
  const fs::path out = dir / "r.h5", log = dir / "log";
  Launch l{{"run", "-q", ref.pipeline.string(), "-o", out.string()}, {}};
  l.file_size_limit = ref.size / 2;  // a shard fits; the result file outgrows it after a few trials
  const pid_t pid = launch(l, log);
  CHECK(wait_end(pid) == 1);  // an error, not a crash
  const std::string said = test::read_file(log);
  INFO(said);
  CHECK(contains(said, "alchain: error: " + out.string()));
  CHECK(contains(said, "File too large"));
  const std::size_t kept = complete_shards(out);
  CHECK(kept >= 1);
  CHECK(kept < 6);
  CHECK(trials_in_file(out) <= kept);  // the result file still opens
  resume_matches_reference(out);
}

TEST_CASE("a full disk (a tmpfs that fills up): a clear error, no shard cut short, --resume matches") {
  const Reference& ref = reference();
  // Too small for the first shard (alchain's own writes fail), then for a copy into the result file.
  for (const std::uintmax_t bytes : {std::uintmax_t{40} << 10, ref.size}) {
    CAPTURE(bytes);
    test::TempDir dir;
    const fs::path mnt = dir / "disk";
    fs::create_directories(mnt);
    const std::string size = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, size.c_str()) != 0) {
      MESSAGE("skipped: cannot mount a tmpfs here (" << std::strerror(errno) << "); the file size limit test covers a full file");
      return;
    }
    struct Unmount {
      fs::path p;
      ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{mnt};
    const fs::path out = mnt / "r.h5", log = dir / "log";
    const pid_t pid = launch({{"run", "-q", ref.pipeline.string(), "-o", out.string()}, {}}, log);
    CHECK(wait_end(pid) == 1);
    const std::string said = test::read_file(log);
    INFO(said);
    CHECK(contains(said, "alchain: error: " + out.string()));  // the file, or a shard of it
    CHECK(contains(said, "No space left on device"));
    const std::size_t kept = complete_shards(out);
    CHECK(kept < 6);
    if (bytes == ref.size) CHECK(kept >= 1);
    CHECK(trials_in_file(out) <= kept);  // the result file still opens
    REQUIRE(::mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0);  // space freed
    resume_matches_reference(out);
  }
}

TEST_CASE("a read-only output directory is refused before anything is loaded or trained; nothing is left") {
  const Reference& ref = reference();
  test::TempDir dir;
  test::write_file(dir / "assess.toml", kAssessment);
  const fs::path ro = dir / "ro";
  fs::create_directories(ro);
  ::chmod(dir.path().c_str(), 0755);
  ::chmod(ro.c_str(), 0555);
  // A chain and an assessment, into the directory and into a subdirectory it would create.
  auto refused = [&](const std::vector<std::string>& wrapper, const std::string& reason) {
    for (const fs::path& pipeline : {ref.pipeline, dir / "assess.toml"}) {
      for (const fs::path& out : {ro / "r.h5", ro / "sub" / "r.h5"}) {
        CAPTURE(pipeline.filename().string());
        CAPTURE(out.string());
        Launch l{{"run", pipeline.string(), "-o", out.string()}, {}};
        l.wrapper = wrapper;
        const pid_t pid = launch(l, dir / "log");
        CHECK(wait_end(pid) == 1);
        const std::string said = test::read_file(dir / "log");
        INFO(said);
        CHECK(contains(said, "alchain: error: " + ro.string() + ": cannot write the result file " + out.string() +
                                 " here: " + reason + "; nothing was run"));
        CHECK_FALSE(contains(said, "training"));  // the assessment says so before it trains
        CHECK_FALSE(contains(said, "done ("));    // a run's progress line per trial
        CHECK(fs::is_empty(ro));
      }
    }
  };
  // Root ignores permission bits: as another user (setpriv), and on a read-only bind mount.
  const std::vector<std::string> nobody{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  bool tried = false;
  if (::geteuid() != 0) {
    refused({}, "Permission denied");
    tried = true;
  } else if (const auto as_nobody = test::run_cli("plugins", "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups");
             as_nobody.output.find("fashion_mnist") != std::string::npos) {
    refused(nobody, "Permission denied");
    tried = true;
  } else {
    // A checkout under a private directory (mktemp -d is 0700): the other user cannot reach the plugins.
    MESSAGE("another user (setpriv) cannot load the build's plugins here; that variant is skipped");
  }
  if (::geteuid() == 0 && ::mount(ro.c_str(), ro.c_str(), nullptr, MS_BIND, nullptr) == 0) {
    struct Unmount {
      fs::path p;
      ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{ro};
    if (::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0) {
      refused({}, "Read-only file system");
      tried = true;
    }
  }
  if (!tried) MESSAGE("skipped: neither another user (setpriv) nor a read-only bind mount is possible here");
}

TEST_CASE("the result file deleted mid-run: the run notices at its next write, exits 1, --resume rebuilds it") {
  const Reference& ref = reference();
  test::TempDir dir;
  const fs::path out = dir / "r.h5", log = dir / "log";
  const pid_t pid = launch({{"run", "-q", ref.pipeline.string(), "-o", out.string()}, {"ALCHAIN_FAULT=adopt:1:stop"}}, log);
  REQUIRE(wait_stopped(pid));
  fs::remove(out);
  ::kill(pid, SIGCONT);
  CHECK(wait_end(pid) == 1);
  const std::string said = test::read_file(log);
  INFO(said);
  CHECK(contains(said, "alchain: error: " + out.string() + " was deleted during the run; the finished trials are in " +
                           out.string() + ".trials/: alchain run --resume rebuilds the file from them"));
  CHECK_FALSE(contains(said, "could not mark"));
  CHECK_FALSE(fs::exists(out));  // not recreated behind the user's back
  CHECK(complete_shards(out) == 2);  // the first, and the one that found the file gone
  resume_matches_reference(out);
}

TEST_CASE("the result file replaced mid-run: nothing is written into the stranger file; move it away and resume") {
  const Reference& ref = reference();
  test::TempDir dir;
  const fs::path out = dir / "r.h5", log = dir / "log";
  const pid_t pid = launch({{"run", "-q", ref.pipeline.string(), "-o", out.string()}, {"ALCHAIN_FAULT=adopt:1:stop"}}, log);
  REQUIRE(wait_stopped(pid));
  fs::copy_file(ref.result, dir / "other.h5");  // another HDF5 file, even an alchain one
  fs::rename(dir / "other.h5", out);
  ::kill(pid, SIGCONT);
  CHECK(wait_end(pid) == 1);
  const std::string said = test::read_file(log);
  INFO(said);
  CHECK(contains(said, "alchain: error: " + out.string() + " was replaced during the run (it is not the file this run "
                           "created); nothing was written to it; the finished trials are in " + out.string() + ".trials/"));
  CHECK(test::read_file(out) == test::read_file(ref.result));  // byte for byte
  CHECK(complete_shards(out) == 2);
  fs::rename(out, dir / "moved-away.h5");
  resume_matches_reference(out);
}

TEST_CASE("SIGINT during an assessment keeps the finished windows readable and the file marked incomplete") {
  test::TempDir dir;
  test::write_file(dir / "assess.toml", kAssessment);
  const fs::path out = dir / "a.h5", log = dir / "log";
  const pid_t pid = launch({{"run", (dir / "assess.toml").string(), "-o", out.string()}, {"ALCHAIN_FAULT=window:1:stop"}}, log);
  REQUIRE(wait_stopped(pid));  // window 0 is in the file
  ::kill(pid, SIGINT);
  ::kill(pid, SIGCONT);
  CHECK(wait_end(pid) == 130);
  const std::string said = test::read_file(log);
  INFO(said);
  CHECK(contains(said, "alchain: interrupted by SIGINT: 1 of 3 windows finished and saved in " + out.string() +
                           " (marked incomplete: complete = 0)"));
  CHECK_FALSE(contains(said, "window 2/3"));
  {
    H5::H5File f = test::open_h5(out.string());
    const H5::Group root = f.openGroup("/");
    std::int64_t complete = -1, done = -1;
    root.openAttribute("complete").read(H5::PredType::NATIVE_INT64, &complete);
    root.openAttribute("windows_done").read(H5::PredType::NATIVE_INT64, &done);
    CHECK(complete == 0);
    CHECK(done == 1);
    CHECK(f.openGroup("/windows").getNumObjs() == 1);
  }
  const auto summary = test::run_cli("summary " + out.string());
  CHECK(summary.status == 0);
  CHECK(contains(summary.output, "window"));
}
