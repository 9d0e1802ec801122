// Loads plugin libraries with Boost.DLL, validates descriptors, and creates plugin objects.
#include "alchain/plugin/plugin_registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include <dlfcn.h>
#include <elf.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "alchain/plugin/descriptor_check.hpp"
#include "alchain/plugin/requirements.hpp"
#include "alchain/sdk/plugin.hpp"
#include "alchain/util/text.hpp"

namespace fs = std::filesystem;

namespace alchain {

const char* to_string(PluginErrorKind kind) {
  switch (kind) {
    case PluginErrorKind::open_failed: return "open failed";
    case PluginErrorKind::missing_entry: return "missing entry";
    case PluginErrorKind::bad_descriptor: return "bad descriptor";
    case PluginErrorKind::abi_mismatch: return "ABI mismatch";
    case PluginErrorKind::fingerprint_mismatch: return "fingerprint mismatch";
    case PluginErrorKind::duplicate_name: return "duplicate name";
    case PluginErrorKind::unknown_name: return "unknown name";
    case PluginErrorKind::init_failed: return "init failed";
  }
  return "?";
}

const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::dataset: return "dataset";
    case PluginKind::model: return "model";
    case PluginKind::policy: return "policy";
    case PluginKind::oracle: return "oracle";
  }
  return "?";
}

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::boolean: return "bool";
    case ParamType::integer: return "integer";
    case ParamType::real: return "float";
    case ParamType::string: return "string";
    case ParamType::int_list: return "integer list";
    case ParamType::float_list: return "float list";
  }
  return "?";
}

const std::string& host_fingerprint() {
  static const std::string fp = ALCHAIN_BUILD_FINGERPRINT;
  return fp;
}

namespace {

// Libraries stay loaded for the life of the process: objects they made, and exceptions they
// threw, may outlive any registry.
std::vector<std::shared_ptr<boost::dll::shared_library>>& resident_libraries() {
  static auto* libs = new std::vector<std::shared_ptr<boost::dll::shared_library>>();
  return *libs;
}

fs::path executable_dir() {
  return fs::path(boost::dll::program_location().parent_path().string());
}

}  // namespace

std::vector<fs::path> plugin_search_path(const std::vector<fs::path>& cli_dirs) {
  std::vector<fs::path> dirs(cli_dirs);
  if (const char* env = std::getenv("ALCHAIN_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) dirs.emplace_back(item);
  }
  // Build tree: plugins/ beside the executable. Installed: <prefix>/lib/alchain/plugins.
  const fs::path exe = executable_dir();
  std::error_code ec;
  if (fs::is_directory(exe / "plugins", ec))
    dirs.push_back(exe / "plugins");
  else
    dirs.push_back(exe.parent_path() / "lib" / "alchain" / "plugins");
  return dirs;
}

struct PluginRegistry::Entry {
  PluginInfo info;
  alchain_plugin_descriptor descriptor{};  ///< the plugin's, its missing (newer) fields defaulted
  std::shared_ptr<boost::dll::shared_library> library;
};

PluginRegistry::PluginRegistry() = default;
PluginRegistry::~PluginRegistry() = default;

namespace {
std::map<std::string, std::string> probe_in_children(const std::vector<std::string>& files);
/// ALCHAIN_NO_PLUGIN_PROBE (any value) loads files in this process directly (docs/abi.md).
bool probe_enabled() { return std::getenv("ALCHAIN_NO_PLUGIN_PROBE") == nullptr; }
}  // namespace

void PluginRegistry::scan(const std::vector<fs::path>& dirs) {
  std::set<fs::path> seen;
  std::vector<fs::path> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> in_dir;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".so" && !e.is_directory()) in_dir.push_back(e.path());
    std::sort(in_dir.begin(), in_dir.end());
    for (const auto& f : in_dir) {
      const fs::path canonical = fs::weakly_canonical(f, ec);
      if (seen.insert(canonical).second) files.push_back(f);  // not the same file through two directories
    }
  }
  std::map<std::string, std::string> crashed;
  if (probe_enabled()) {
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(f.string());
    crashed = probe_in_children(paths);
  }
  for (const auto& f : files) {
    try {
      if (auto it = crashed.find(f.string()); it != crashed.end())
        throw PluginError(PluginErrorKind::open_failed, it->first, it->first + ": " + it->second);
      load_probed(f);
    } catch (const PluginError& e) {
      problems_.push_back(e);
    }
  }
}

namespace {

/// Where probed files are remembered: $ALCHAIN_PLUGIN_CACHE, else $XDG_CACHE_HOME/alchain or
/// ~/.cache/alchain; empty when none is known.
fs::path probe_cache_file() {
  if (const char* f = std::getenv("ALCHAIN_PLUGIN_CACHE")) return f;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "alchain" / "plugin-probe-v1.txt";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "alchain" / "plugin-probe-v1.txt";
  return {};
}

/// "size mtime path": the key under which a file that loaded without crashing is remembered.
std::string probe_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + " " + path;
}

/// Loads each file and reads its descriptor in child processes first, as GStreamer's plugin
/// scanner does, so that a file that crashes the dynamic loader or its own code (a truncated
/// shared object raises SIGBUS inside dlopen) takes down a child, not the host. One child loads
/// the files in turn and reports each one it survived; after a crash the next child continues
/// after the culprit. Files that passed are remembered by (size, mtime, path) in a cache, so a
/// later scan of unchanged files forks nothing. Returns, per crashing file, what killed it.
std::map<std::string, std::string> probe_in_children(const std::vector<std::string>& files) {
  std::map<std::string, std::string> crashed;
  const fs::path cache = probe_cache_file();
  std::set<std::string> known;
  if (!cache.empty()) {
    std::ifstream in(cache);
    for (std::string line; std::getline(in, line);) known.insert(line);
  }
  std::vector<std::string> todo;
  for (const auto& f : files)
    if (!known.count(probe_key(f))) todo.push_back(f);
  std::size_t next = 0;
  bool passed_any = false;
  while (next < todo.size()) {
    int fds[2];
    if (::pipe(fds) != 0) break;
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      break;  // cannot fork: load in this process as before
    }
    if (pid == 0) {
      ::close(fds[0]);
      // A crash must kill the child by its signal, which the parent reads: not the handlers the
      // parent installed (the host's factory-crash note, a test framework's reporter).
      for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, SIG_DFL);
      ::alarm(60);
      for (std::size_t i = next; i < todo.size(); ++i) {
        if (void* h = ::dlopen(todo[i].c_str(), RTLD_NOW | RTLD_LOCAL))
          if (auto entry = reinterpret_cast<const alchain_plugin_descriptor* (*)()>(::dlsym(h, ALCHAIN_ENTRY_SYMBOL)))
            if (const alchain_plugin_descriptor* d = entry()) {
              volatile std::uint32_t sink = d->struct_size + d->abi_major + d->abi_minor;
              (void)sink;
            }
        (void)!::write(fds[1], "k", 1);
      }
      ::_exit(0);  // not exit(): no atexit handlers or static destructors of the parent's libraries
    }
    ::close(fds[1]);
    std::size_t survived = 0;
    char buf[256];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      survived += static_cast<std::size_t>(n);
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    passed_any = passed_any || survived > 0;
    for (std::size_t i = next; i < next + survived; ++i) known.insert(probe_key(todo[i]));
    next += survived;
    if (WIFSIGNALED(status) && next < todo.size()) {
      const int sig = WTERMSIG(status);
      crashed[todo[next]] = std::string("loading it crashed a probe process (signal ") + std::to_string(sig) + ", " +
                            ::strsignal(sig) + "): a truncated or corrupt shared object, or code that crashes as it loads";
      ++next;
    } else if (next < todo.size()) {
      break;  // the child ended early without a signal: load the rest in this process
    }
  }
  if (passed_any && !cache.empty()) {  // rewrite the cache atomically; a failure only costs a later fork
    std::error_code ec;
    fs::create_directories(cache.parent_path(), ec);
    const fs::path tmp = cache.string() + "." + std::to_string(::getpid()) + ".tmp";
    {
      std::ofstream out(tmp);
      for (const auto& k : known)
        if (!k.empty()) out << k << "\n";
    }
    fs::rename(tmp, cache, ec);
    if (ec) fs::remove(tmp, ec);
  }
  return crashed;
}

}  // namespace

const PluginInfo& PluginRegistry::load(const fs::path& file) {
  const std::string path = file.string();
  if (probe_enabled()) {
    const auto crashed = probe_in_children({path});
    if (!crashed.empty()) throw PluginError(PluginErrorKind::open_failed, path, path + ": " + crashed.begin()->second);
  }
  return load_probed(file);
}

namespace {

#if defined(__x86_64__)
constexpr int kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kHostMachine = EM_AARCH64;
#else
constexpr int kHostMachine = -1;  // not checked
#endif

std::string machine_name(int m) {
  switch (m) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_ARM: return "32-bit ARM";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "s390x";
    default: return "ELF machine " + std::to_string(m);
  }
}

/// Why `path` cannot be a shared object for this process, read from its ELF header; empty when
/// the header fits. dlopen's own words for these cases are misleading ("No such file or
/// directory" for an object of another architecture, "file too short" for a text file).
std::string elf_header_problem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";  // dlopen says why
  Elf64_Ehdr h{};
  in.read(reinterpret_cast<char*>(&h), sizeof h);
  const auto got = static_cast<std::size_t>(in.gcount());
  const unsigned char* b = h.e_ident;
  if (got < SELFMAG || std::memcmp(b, ELFMAG, SELFMAG) != 0) {
    if (got == 0) return "an empty file, not an ELF shared object";
    if (got >= 2 && b[0] == '#' && b[1] == '!') return "a script, not an ELF shared object";
    if (got >= 2 && b[0] == 'M' && b[1] == 'Z') return "a Windows executable (PE), not an ELF shared object";
    if (got >= 2 && b[0] == 0x1f && b[1] == 0x8b) return "gzip-compressed data, not an ELF shared object";
    if (got >= 4 && (std::memcmp(b, "\xcf\xfa\xed\xfe", 4) == 0 || std::memcmp(b, "\xca\xfe\xba\xbe", 4) == 0))
      return "a Mach-O (macOS) object, not an ELF shared object";
    return "not an ELF shared object (it does not start with the ELF magic number)";
  }
  if (got < sizeof h) return "an ELF file cut short (" + std::to_string(got) + " bytes, its header alone is 64)";
  if (b[EI_CLASS] != ELFCLASS64) return "a 32-bit ELF object; this host loads 64-bit ones";
  if (b[EI_DATA] != ELFDATA2LSB) return "a big-endian ELF object; this host is little-endian";
  if (h.e_type != ET_DYN) return "an ELF object of type " + std::to_string(h.e_type) + ", not a shared object";
  if (kHostMachine >= 0 && h.e_machine != kHostMachine)
    return "an object for " + machine_name(h.e_machine) + "; this host is " + machine_name(kHostMachine);
  return "";
}

}  // namespace

const PluginInfo& PluginRegistry::load_probed(const fs::path& file) {
  const std::string path = file.string();
  if (const std::string why = elf_header_problem(path); !why.empty())
    throw PluginError(PluginErrorKind::open_failed, path, path + ": cannot be loaded as a shared library: " + why);
  auto lib = std::make_shared<boost::dll::shared_library>();
  try {
    lib->load(boost::dll::fs::path(path),
              boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw PluginError(PluginErrorKind::open_failed, path,
                      path + ": cannot be loaded as a shared library: " + e.what());
  }
  resident_libraries().push_back(lib);
  if (!lib->has(ALCHAIN_ENTRY_SYMBOL))
    throw PluginError(PluginErrorKind::missing_entry, path,
                      path + ": not an alchain plugin: no symbol '" ALCHAIN_ENTRY_SYMBOL "'");
  const alchain_plugin_descriptor* raw = lib->get<const alchain_plugin_descriptor*()>(ALCHAIN_ENTRY_SYMBOL)();
  CheckedDescriptor checked = check_descriptor(raw, path, host_fingerprint());
  auto entry = std::make_unique<Entry>();
  entry->info = std::move(checked.info);
  entry->descriptor = checked.descriptor;
  entry->library = std::move(lib);
  return add_entry(std::move(entry));
}

const PluginInfo& PluginRegistry::add(const alchain_plugin_descriptor* descriptor, const std::string& origin) {
  CheckedDescriptor checked = check_descriptor(descriptor, origin, host_fingerprint());
  auto entry = std::make_unique<Entry>();
  entry->info = std::move(checked.info);
  entry->descriptor = checked.descriptor;
  return add_entry(std::move(entry));
}

const PluginInfo& PluginRegistry::add_entry(std::unique_ptr<Entry> entry) {
  const PluginInfo& info = entry->info;
  const PluginKind kind = info.kind;
  const std::string& path = info.file;
  const std::string label = std::string(to_string(kind)) + " '" + info.name + "'";

  auto& slot = by_name_[{kind, info.name}];
  slot.push_back(entry.get());
  entries_.push_back(std::move(entry));
  if (slot.size() > 1) {
    throw PluginError(PluginErrorKind::duplicate_name, path,
                      label + " is provided twice: " + slot.front()->info.file + " and " + path);
  }
  return slot.front()->info;
}

std::vector<const PluginInfo*> PluginRegistry::plugins() const {
  std::vector<const PluginInfo*> out;
  for (const auto& [key, list] : by_name_)
    for (const Entry* e : list) out.push_back(&e->info);
  return out;
}

std::vector<std::string> PluginRegistry::names(PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& [key, list] : by_name_)
    if (key.first == kind) out.push_back(key.second);
  return out;
}

bool PluginRegistry::contains(PluginKind kind, const std::string& name) const {
  return by_name_.count({kind, name}) != 0;
}

const PluginRegistry::Entry& PluginRegistry::entry(PluginKind kind, const std::string& name) const {
  auto it = by_name_.find({kind, name});
  if (it == by_name_.end()) {
    std::string msg = unknown_name_message(to_string(kind), name, names(kind));
    for (const auto& p : problems_)
      if (p.kind() != PluginErrorKind::duplicate_name) msg += "\n  note: not loaded: " + std::string(p.what());
    throw PluginError(PluginErrorKind::unknown_name, "", msg);
  }
  if (it->second.size() > 1)
    throw PluginError(PluginErrorKind::duplicate_name, it->second[1]->info.file,
                      std::string(to_string(kind)) + " '" + name + "' is provided twice: " +
                          it->second[0]->info.file + " and " + it->second[1]->info.file);
  return *it->second.front();
}

const PluginInfo& PluginRegistry::get(PluginKind kind, const std::string& name) const {
  return entry(kind, name).info;
}

namespace {

/// The file whose factory is running, for the crash note below (set only around create()).
const char* volatile g_in_plugin = nullptr;

extern "C" void note_plugin_crash(int sig) {
  if (const char* f = g_in_plugin) {
    const char head[] = "alchain: crashed inside the factory of plugin ";
    (void)!::write(STDERR_FILENO, head, sizeof head - 1);
    (void)!::write(STDERR_FILENO, f, std::strlen(f));
    (void)!::write(STDERR_FILENO, "\n", 1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

/// Names the plugin file in a crash of its factory: SIGSEGV, SIGBUS, SIGILL and SIGFPE get a
/// note on stderr, then the default action. Handlers someone else installed are left alone.
void install_crash_note() {
  static const bool installed = [] {
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) std::signal(sig, note_plugin_crash);
    }
    return true;
  }();
  (void)installed;
}

}  // namespace

void* PluginRegistry::create(PluginKind kind, const std::string& name, const Params& params,
                             const CreateContext& ctx, std::shared_ptr<void>* keep_alive,
                             void (**destroy)(void*)) const {
  const Entry& e = entry(kind, name);
  char error[2048] = {0};
  install_crash_note();
  g_in_plugin = e.info.file.c_str();
  void* object = e.descriptor.create(&params, &ctx, error, sizeof error);
  g_in_plugin = nullptr;
  if (object == nullptr)
    throw PluginError(PluginErrorKind::init_failed, e.info.file,
                      std::string(to_string(kind)) + " '" + name + "' (" + e.info.file +
                          ") failed to initialise: " + (error[0] ? error : "no message"));
  *keep_alive = e.library;
  *destroy = e.descriptor.destroy;
  return object;
}

namespace {
/// The object as a shared_ptr whose deleter runs the plugin's own destroy and keeps its library
/// referenced until then.
template <class T>
std::shared_ptr<T> hold(void* object, std::shared_ptr<void> library, void (*destroy)(void*)) {
  return std::shared_ptr<T>(static_cast<T*>(object), [library, destroy](T* p) { destroy(p); });
}
}  // namespace

template <class T>
std::shared_ptr<T> PluginRegistry::create_as(PluginKind kind, const std::string& name, const Params& params,
                                             const CreateContext& ctx) const {
  std::shared_ptr<void> lib;
  void (*destroy)(void*) = nullptr;
  void* o = create(kind, name, params, ctx, &lib, &destroy);
  return hold<T>(o, lib, destroy);
}

std::shared_ptr<Dataset> PluginRegistry::create_dataset(const std::string& name, const Params& params,
                                                        const CreateContext& ctx) const {
  return create_as<Dataset>(PluginKind::dataset, name, params, ctx);
}

std::shared_ptr<Model> PluginRegistry::create_model(const std::string& name, const Params& params,
                                                    const CreateContext& ctx) const {
  const PluginInfo& info = get(PluginKind::model, name);
  // The task a model is made for is its descriptor's, checked before any of its code runs.
  const Task made_for = info.has(ALCHAIN_FLAG_SEGMENTATION) ? Task::segmentation : Task::classification;
  if (made_for != ctx.task)
    throw PluginError(PluginErrorKind::init_failed, info.file,
                      "model '" + info.name + "' is made for " + to_string(made_for) + "; this dataset's task is " +
                          to_string(ctx.task) +
                          (ctx.task == Task::segmentation ? " (segmentation models declare ALCHAIN_FLAG_SEGMENTATION: "
                                                            "deeplabv3plus)"
                                                          : ""));
  std::shared_ptr<Model> m = create_as<Model>(PluginKind::model, name, params, ctx);
  // The descriptor's flag is what validation pairs MC policies with; the object must not offer
  // what the flag does not declare (or validation passed on a promise nobody checked).
  if (m->stochastic_passes_available() && !(info.flags & ALCHAIN_FLAG_MC_DROPOUT))
    throw PluginError(PluginErrorKind::init_failed, info.file,
                      "model '" + info.name + "' (" + info.file +
                          ") offers stochastic passes but its descriptor does not declare ALCHAIN_FLAG_MC_DROPOUT, "
                          "so validation could not pair it with MC policies; refused (declare the flag)");
  return m;
}

std::shared_ptr<Policy> PluginRegistry::create_policy(const std::string& name, const Params& params,
                                                      const CreateContext& ctx) const {
  std::shared_ptr<Policy> p = create_as<Policy>(PluginKind::policy, name, params, ctx);
  const PluginInfo& info = get(PluginKind::policy, name);
  // A wrapper passes on its base's needs; the base object was created through this function and
  // checked against its own descriptor.
  check_needs_declared(info, p->needs(), is_wrapper_policy(info) ? ~0u : info.flags);
  return p;
}

std::shared_ptr<PseudoOracle> PluginRegistry::create_oracle(const std::string& name, const Params& params,
                                                            const CreateContext& ctx) const {
  std::shared_ptr<PseudoOracle> o = create_as<PseudoOracle>(PluginKind::oracle, name, params, ctx);
  const PluginInfo& info = get(PluginKind::oracle, name);
  check_needs_declared(info, o->needs(), info.flags);
  return o;
}

}  // namespace alchain
