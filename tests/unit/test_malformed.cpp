// The malformed-input corpus (tests/malformed/MANIFEST): each broken file gets one clear error naming it, its exit code, no crash, no output.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <thread>

#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "alchain/results/resume_checks.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace alchain;

namespace {

fs::path corpus_dir() { return test::source_dir() / "tests" / "malformed"; }

/// One MANIFEST line: the corpus file (or '-'), how it is put in place, the alchain arguments,
/// the exit code and a substring of the output, all with {placeholders}.
struct Case {
  int line = 0;
  std::string file, setup, args, expect;
  int exit_code = -1;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<Case> read_manifest() {
  std::vector<Case> out;
  std::istringstream in(test::read_file(corpus_dir() / "MANIFEST"));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    std::vector<std::string> f;
    for (std::size_t start = 0;;) {
      const auto bar = line.find(" | ", start);
      f.push_back(trim(line.substr(start, bar == std::string::npos ? std::string::npos : bar - start)));
      if (bar == std::string::npos) break;
      start = bar + 3;
    }
    INFO("MANIFEST:" << n << ": " << line);
    REQUIRE(f.size() == 5);
    Case c;
    c.line = n;
    c.file = f[0];
    c.setup = f[1];
    c.args = f[2];
    c.exit_code = std::stoi(f[3]);
    c.expect = f[4];
    out.push_back(c);
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
  return s;
}

void write_idx(const fs::path& p, std::vector<std::uint32_t> dims, const std::vector<unsigned char>& data) {
  std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((d >> shift) & 0xff);
  s.append(data.begin(), data.end());
  test::write_file(p, s);
}

/// Fashion-MNIST's four files, tiny and valid: train 40 images of 8x8, t10k 20 (the corpus's
/// IDX files are written to fit them, tools/make_malformed_corpus.py).
void write_valid_fmnist(const fs::path& dir) {
  for (const auto& [prefix, n] : std::vector<std::pair<std::string, std::uint32_t>>{{"train", 40}, {"t10k", 20}}) {
    std::vector<unsigned char> pixels(n * 64), labels(n);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>((i * 37) % 256);
    for (std::uint32_t i = 0; i < n; ++i) labels[i] = static_cast<unsigned char>(i % 10);
    write_idx(dir / (prefix + "-images-idx3-ubyte"), {n, 8, 8}, pixels);
    write_idx(dir / (prefix + "-labels-idx1-ubyte"), {n}, labels);
  }
}

/// An image_folder tree: train/{a,b}/ with 4 images each, test/{a,b}/ with 2, 8x8 grey PNGs.
void write_valid_images(const fs::path& dir) {
  for (const auto& [split, n] : std::vector<std::pair<std::string, int>>{{"train", 4}, {"test", 2}})
    for (const char* cls : {"a", "b"})
      for (int i = 0; i < n; ++i) {
        fs::create_directories(dir / split / cls);
        const cv::Mat img(8, 8, CV_8UC1, cv::Scalar(30 * i + (cls[0] == 'a' ? 0 : 100)));
        REQUIRE(cv::imwrite((dir / split / cls / (std::to_string(i) + ".png")).string(), img));
      }
}

std::string chain_pipeline(const std::string& dataset, std::int64_t seed) {
  return "schema = 1\nname = \"corpus\"\n[run]\nthreads = 1\nseed = " + std::to_string(seed) + "\n" + dataset +
         "[budget]\ninitial = 10\nper_cycle = 5\ncycles = 1\n[training]\nepochs = 1\nbatch_size = 8\n"
         "[[generation]]\nmodel = \"mlp\"\npolicy = \"entropy\"\n";
}

/// Every file and directory under `dir` with its bytes: what a refused command must leave as it was.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    out[rel] = e.is_directory() ? std::string("<dir>") : test::read_file(e.path());
  }
  return out;
}

std::vector<std::string> differences(const std::map<std::string, std::string>& before,
                                     const std::map<std::string, std::string>& after) {
  std::vector<std::string> out;
  for (const auto& [k, v] : before) {
    auto it = after.find(k);
    if (it == after.end()) out.push_back("removed " + k);
    else if (it->second != v) out.push_back("changed " + k);
  }
  for (const auto& [k, v] : after)
    if (!before.count(k)) out.push_back("left behind " + k);
  return out;
}

/// Signs that a process died or a sanitizer spoke, whatever the exit code says (a crash of
/// alchain itself also shows as an exit code of 128 + the signal).
const char* const kCrashMarks[] = {"terminate called", "core dumped", "AddressSanitizer", "LeakSanitizer",
                                   "runtime error:", "crashed inside"};

/// A case put in place under `tmp`: the placeholders of its arguments and expectation.
struct Placed {
  std::map<std::string, std::string> vars;
  std::string env;  ///< variable assignments for the command (none so far)
};

/// The corpus file `c.file` put where its setup says, or a damaged state made by a real run.
Placed place(const Case& c, const test::TempDir& tmp) {
  Placed pl;
  auto& v = pl.vars;
  const fs::path src = corpus_dir() / c.file;
  const std::string name = fs::path(c.file).filename().string();
  const std::string kind = c.setup.substr(0, c.setup.find(':'));
  const std::string arg = c.setup.find(':') == std::string::npos ? "" : replace_all(c.setup.substr(c.setup.find(':') + 1), "{name}", name);
  v["{tmp}"] = tmp.path().string();
  v["{out}"] = (tmp / "out.h5").string();
  const fs::path fmnist = tmp / "fmnist";
  write_valid_fmnist(fmnist);
  v["{data}"] = fmnist.string();
  v["{pipeline}"] = (tmp / "fmnist.toml").string();
  test::write_file(tmp / "fmnist.toml", chain_pipeline("[dataset]\nplugin = \"fashion_mnist\"\nparams = { root = \"" +
                                                            fmnist.string() + "\" }\n", 1));
  test::write_file(tmp / "fmnist_seed2.toml", chain_pipeline("[dataset]\nplugin = \"fashion_mnist\"\nparams = { root = \"" +
                                                                  fmnist.string() + "\" }\n", 2));
  v["{pipeline2}"] = (tmp / "fmnist_seed2.toml").string();
  auto put = [&](const fs::path& dst) {
    std::error_code ec;
    fs::remove_all(dst, ec);
    fs::create_directories(dst.parent_path());
    fs::copy_file(src, dst);
    v["{file}"] = dst.string();
    v["{dir}"] = dst.parent_path().string();
  };
  if (kind == "copy") {
    put(tmp / "in" / name);
  } else if (kind == "fmnist") {
    // The loader prefers X.gz to X: the valid file of the same role goes, whichever the name.
    const std::string role = arg.size() > 3 && arg.substr(arg.size() - 3) == ".gz" ? arg.substr(0, arg.size() - 3) : arg;
    fs::remove(fmnist / role);
    put(fmnist / arg);
  } else if (kind == "images") {
    const fs::path root = tmp / "images";
    write_valid_images(root);
    v["{data}"] = root.string();
    v["{pipeline}"] = (tmp / "images.toml").string();
    test::write_file(tmp / "images.toml",
                     chain_pipeline("[dataset]\nplugin = \"image_folder\"\nparams = { root = \"" + root.string() +
                                        "\", height = 8, width = 8 }\n", 1));
    put(root / arg);
  } else if (kind == "plugin") {
    v["{plugins}"] = (tmp / "plugins").string();
    put(tmp / "plugins" / name);
  } else if (kind == "fixture") {
    const fs::path dir = test::fixture_dir(arg);
    v["{plugins}"] = dir.string();
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".so") v["{file}"] = e.path().string();
    REQUIRE_MESSAGE(v.count("{file}"), dir.string() << " holds no built fixture");
  } else if (kind == "result") {
    put(tmp / "out.h5");
  } else if (kind == "shard") {
    put(tmp / "out.h5.trials" / name);
    if (arg == "sum") {  // a checksum that matches: HDF5 reads the shard, and its content is checked
      const std::string bytes = test::read_file(v["{file}"]);
      test::write_file(shard_checksum_path(v["{file}"]), shard_checksum_line(bytes.data(), bytes.size()));
    }
  } else if (kind == "real") {
    // A real run's files, then damaged: `shard_*` from a run killed once its first shard is
    // stored (the result file says running), `result_*` from a complete run.
    const bool shard = arg.rfind("shard_", 0) == 0;
    const auto r = test::run_cli("run -q " + v["{pipeline}"] + " -o " + v["{out}"], shard ? "ALCHAIN_FAULT=shard:1" : "");
    REQUIRE_MESSAGE(r.status == (shard ? 128 + 9 : 0), r.output);
    fs::remove(tmp / "out.h5.lock");  // a killed run's lock file: the next run takes it over and removes it
    fs::path target = tmp / "out.h5";
    if (shard)
      for (const auto& e : fs::directory_iterator(tmp / "out.h5.trials"))
        if (e.path().extension() == ".h5") target = e.path();
    REQUIRE((!shard || target != tmp / "out.h5"));
    std::string bytes = test::read_file(target);
    if (arg == "shard_truncated" || arg == "result_truncated") bytes.resize(bytes.size() / 2);
    else if (arg == "shard_flipped") bytes[bytes.size() * 3 / 4] ^= 0x5a;  // inside the last round's data
    else if (arg != "result_other_plan" && arg != "result_threads") FAIL("MANIFEST: unknown real damage " << arg);
    test::write_file(target, bytes);
    v["{file}"] = target.string();
    v["{dir}"] = target.parent_path().string();
  } else {
    FAIL("MANIFEST:" << c.line << ": unknown setup '" << c.setup << "'");
  }
  return pl;
}

std::string substitute(std::string s, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, val] : vars) s = replace_all(s, k, val);
  return s;
}

}  // namespace

TEST_CASE("malformed-input corpus: one clear error naming the file, the documented exit code, no crash, nothing written") {
  const std::vector<Case> cases = read_manifest();
  // Every committed corpus file has its case, and the corpus is the size the issue asks for.
  std::set<std::string> listed, files;
  for (const Case& c : cases) listed.insert(c.file);
  for (const auto& e : fs::recursive_directory_iterator(corpus_dir()))
    if (e.is_regular_file() && e.path().filename() != "MANIFEST") files.insert(fs::relative(e.path(), corpus_dir()).string());
  CHECK(files.size() >= 50);
  for (const auto& f : files) CHECK_MESSAGE(listed.count(f), f << " is in tests/malformed but not in its MANIFEST");
  const std::set<int> documented = {0, 1, 2, 3};  // docs/cli.md, "Exit codes"

  // Each case is put in place in its own directory first, then the commands run two at a time
  // (each is mostly one process starting LibTorch: the corpus takes half as long on 2 cores),
  // then every result is checked in MANIFEST order.
  struct Prepared {
    const Case* c;
    std::unique_ptr<test::TempDir> tmp;
    std::string args, expect, env;
    std::map<std::string, std::string> before;
    test::CliResult result{-1, ""};
  };
  std::vector<Prepared> prepared;
  for (const Case& c : cases) {
    CAPTURE(c.line);
    CAPTURE(c.file);
    if (c.file != "-") REQUIRE_MESSAGE(fs::is_regular_file(corpus_dir() / c.file), c.file << " is not in tests/malformed");
    // The message must name the file (or, for a folder-layout defect, its folder).
    REQUIRE_MESSAGE((c.expect.find("{file}") != std::string::npos || c.expect.find("{dir}") != std::string::npos),
                    "MANIFEST:" << c.line << ": the expected message names neither {file} nor {dir}");
    CHECK(documented.count(c.exit_code));
    Prepared pr{&c, std::make_unique<test::TempDir>(), "", "", "", {}, {-1, ""}};
    const Placed pl = place(c, *pr.tmp);
    pr.args = substitute(c.args, pl.vars);
    pr.expect = substitute(c.expect, pl.vars);
    pr.env = pl.env;
    const std::regex leftover(R"(\{[a-z0-9]+\})");
    REQUIRE_MESSAGE(!std::regex_search(pr.args + pr.expect, leftover), "MANIFEST:" << c.line << ": a placeholder this setup does not give");
    pr.before = snapshot(pr.tmp->path());
    prepared.push_back(std::move(pr));
  }

  std::atomic<std::size_t> next{0};
  auto worker = [&] {  // no doctest assertion here: results are checked below, on this thread
    for (std::size_t i; (i = next.fetch_add(1)) < prepared.size();) prepared[i].result = test::run_cli(prepared[i].args, prepared[i].env);
  };
  {
    std::vector<std::thread> pool;
    for (int t = 0; t < 2; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }

  for (const Prepared& pr : prepared) {
    const Case& c = *pr.c;
    CAPTURE(c.line);
    CAPTURE(c.file);
    const auto& r = pr.result;
    INFO("alchain " << pr.args << "\n" << r.output);
    CHECK(r.status == c.exit_code);
    const std::string& expect = pr.expect;
    for (std::size_t at = 0;;) {
      const auto amp = expect.find(" && ", at);
      const std::string part = expect.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      CHECK_MESSAGE(r.output.find(part) != std::string::npos, "expected: " << part);
      if (amp == std::string::npos) break;
      at = amp + 4;
    }
    for (const char* mark : kCrashMarks) CHECK_MESSAGE(r.output.find(mark) == std::string::npos, mark);
    CHECK(differences(pr.before, snapshot(pr.tmp->path())) == std::vector<std::string>{});
  }
}

TEST_CASE("malformed-input corpus: alchain validate gives every invalid pipeline's expected line:column messages") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(test::source_dir() / "tests" / "pipelines" / "invalid"))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 10);
  std::string args = "validate --syntax-only";
  for (const auto& f : files) args += " " + f.string();
  const auto r = test::run_cli(args);
  INFO(r.output);
  CHECK(r.status == 1);
  for (const char* mark : kCrashMarks) CHECK(r.output.find(mark) == std::string::npos);
  for (const auto& f : files) {
    std::istringstream in(test::read_file(f));
    std::string line;
    int n = 0;
    while (std::getline(in, line) && line.rfind("# expect: ", 0) == 0) {
      ++n;
      CHECK_MESSAGE(r.output.find(f.string() + ":" + line.substr(10)) != std::string::npos, f.filename().string());
    }
    CHECK(n > 0);
  }
}
