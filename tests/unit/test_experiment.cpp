// Experiments run for real: a matrix read back from HDF5, the CLI's resume after SIGKILL at
// several points compared bit for bit, --jobs, the run lock and the report (plans: test_plan_expansion.cpp).

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "alchain/engine/experiment.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plan/plan.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/results/summary.hpp"
#include "alchain/results/transfer.hpp"
#include "alchain/stats/rank.hpp"
#include "h5_read.hpp"
#include "test_support.hpp"

using namespace alchain;

// A real matrix on Fashion-MNIST, in process and through the CLI.

namespace {

Pipeline parse(const std::string& text) {
  Diagnostics d("matrix.toml");
  Pipeline p = parse_pipeline(text, "matrix.toml", test::shipped_plugins(), d);
  REQUIRE_MESSAGE(d.empty(), d.str());
  return p;
}


using Cli = test::CliResult;

Cli cli(const std::string& args, const std::string& env = "") { return test::run_cli(args, env); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// Timings differ between runs; everything else must not.
bool timing(const std::string& name) {
  return name == "seconds" || (name.size() > 2 && name.compare(name.size() - 2, 2, "_s") == 0);
}

std::string attr_bytes(const H5::Attribute& a) {
  const H5::DataType type = a.getDataType();
  if (type.getClass() == H5T_STRING) {
    const H5::DataSpace space = a.getSpace();
    const hssize_t n = space.getSimpleExtentNpoints();
    if (space.getSimpleExtentNdims() == 0) {
      std::string s;
      a.read(a.getStrType(), s);
      return s;
    }
    H5::StrType vlen(H5::PredType::C_S1, H5T_VARIABLE);
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    a.read(vlen, ptrs.data());
    std::string s;
    for (char* c : ptrs) s += std::string(c ? c : "") + '\n';
    return s;
  }
  std::string bytes(a.getStorageSize(), '\0');
  a.read(type, bytes.data());
  return bytes;
}

/// Every attribute but timings and every dataset's bytes under `path`, recursively, as one map.
void flatten(H5::H5File& f, const std::string& path, std::map<std::string, std::string>& out) {
  H5::Group g = f.openGroup(path);
  for (int i = 0; i < g.getNumAttrs(); ++i) {
    H5::Attribute a = g.openAttribute(static_cast<unsigned>(i));
    if (!timing(a.getName())) out[path + "@" + a.getName()] = attr_bytes(a);
  }
  for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
    const std::string name = g.getObjnameByIdx(i);
    const std::string child = path + "/" + name;
    if (g.getObjTypeByIdx(i) == H5G_GROUP) {
      flatten(f, child, out);
    } else {
      H5::DataSet d = f.openDataSet(child);
      std::string bytes(d.getStorageSize(), '\0');
      if (!bytes.empty()) d.read(bytes.data(), d.getDataType());
      out[child] = bytes;
    }
  }
}

std::map<std::string, std::string> trials_of(const std::filesystem::path& file) {
  H5::H5File f = test::open_h5(file.string());
  std::map<std::string, std::string> out;
  flatten(f, "/trials", out);
  return out;
}

void check_same_trials(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto x = trials_of(a), y = trials_of(b);
  CHECK(x.size() == y.size());
  for (const auto& [k, v] : x) {
    auto it = y.find(k);
    if (it == y.end()) {
      FAIL_CHECK("missing in " << b.filename().string() << ": " << k);
      continue;
    }
    if (it->second != v) FAIL_CHECK("differs: " << k);
  }
}

}  // namespace

TEST_CASE("a real 2x2 matrix: every planned trial in the file, cells and baseline paired") {
  test::TempDir dir;
  const Pipeline p = parse(test::kSmallMatrix);
  RunOptions o;
  o.output = dir / "m.h5";
  o.quiet = true;
  const RunOutcome out = run_experiment(p, test::shipped_plugins(), o);
  const Plan plan = plan_for(p, test::shipped_plugins());
  CHECK(out.trials_run == plan.trials.size());
  // 2 select per repeat + 2 off-diagonal cells + 2 random = 6 per repeat.
  CHECK(plan.trials.size() == 12);

  H5::H5File f = test::open_h5(o.output.string());
  CHECK(test::attr_string(f.openGroup("/"), "status") == "complete");
  CHECK(test::attr_string(f.openGroup("/"), "plan_kind") == "matrix");
  CHECK(f.openGroup("/trials").getNumObjs() == 12);
  for (int r = 0; r < 2; ++r) {
    for (const std::string d : {"wide", "narrow"}) {
      const std::string s = d == "wide" ? "narrow" : "wide";
      INFO("repeat " << r << ", deployment " << d);
      const std::string rnd = "/trials/train:" + d + ":random:r" + std::to_string(r) + "/round_0";
      const std::string cell = "/trials/train:" + d + ":" + s + ":entropy:r" + std::to_string(r) + "/round_0";
      // The diagonal cell: the surrogate's own final round in its select trial (initial + 2 cycles = round 2).
      const std::string diag = "/trials/select:" + d + ":entropy:r" + std::to_string(r) + "/round_2";
      for (const std::string& g : {rnd, cell, diag}) {
        INFO(g);
        REQUIRE(f.nameExists(g));
        CHECK(test::read_i64(f, g + "/labeled").size() == 140);
        CHECK(test::attr_string(f.openGroup(g), "model") == d);
      }
      // Same initial set, same initialisation and data order: only the picks differ.
      for (const char* seed : {"init_seed", "data_seed"}) {
        CHECK(test::attr_u64(f.openGroup(rnd), seed) == test::attr_u64(f.openGroup(cell), seed));
        CHECK(test::attr_u64(f.openGroup(rnd), seed) == test::attr_u64(f.openGroup(diag), seed));
      }
      const auto first = [&](const std::string& g) {
        const auto v = test::read_i64(f, g + "/labeled");
        return std::set<std::int64_t>(v.begin(), v.end());
      };
      const auto init = test::read_i64(f, "/trials/select:" + s + ":entropy:r" + std::to_string(r) + "/round_0/labeled");
      for (const std::string& g : {rnd, cell, diag}) {
        const auto l = first(g);
        for (auto id : init) CHECK(l.count(id) == 1);
      }
      // The off-diagonal cell trains on exactly what the other surrogate's chain picked.
      const std::string src = "/trials/select:" + s + ":entropy:r" + std::to_string(r) + "/round_2";
      CHECK(first(cell) == first(src));
    }
  }

  // The summary reads it back: 2 rows, 3 columns, 2 repeats, nothing missing.
  const Summary sum = read_summary(o.output);
  CHECK(sum.rows == std::vector<std::string>{"wide", "narrow"});
  CHECK(sum.columns.size() == 3);
  CHECK(sum.has_random());
  CHECK(sum.repeats == 2);
  CHECK(sum.missing_trials.empty());
  for (const auto& row : sum.values)
    for (const auto& col : row)
      for (double v : col) CHECK((v > 0.1 && v <= 1.0));
  std::ostringstream csv;
  print_summary(csv, sum, SummaryFormat::csv);
  CHECK(contains(csv.str(), "wide"));
  // Transferability: the two surrogates' first rounds score the same pool in each repeat.
  const Transfer tr = read_transfer(o.output);
  CHECK(tr.columns == std::vector<std::string>{"wide", "narrow"});
  CHECK(tr.pool_scored == 1500 - 60);
  CHECK(tr.picks == 40);
  REQUIRE(tr.pairs.size() == 1);
  for (int r = 0; r < 2; ++r) {
    const auto rs = std::to_string(r);
    const auto wide = test::read_i64(f, "/trials/select:wide:entropy:r" + rs + "/round_0/selected");
    const auto narrow = test::read_i64(f, "/trials/select:narrow:entropy:r" + rs + "/round_0/selected");
    const auto ov = stats::pick_overlap(wide, narrow);
    CHECK(tr.pairs[0].jaccard[r] == ov.jaccard);
    CHECK(tr.pairs[0].share[r] == ov.of_b);
    // Entropies of two MLPs trained on the same 60 samples agree in rank, but not perfectly.
    CHECK((tr.pairs[0].spearman[r] > 0.0 && tr.pairs[0].spearman[r] < 1.0));
    INFO("spearman " << tr.pairs[0].spearman[r] << ", kendall " << tr.pairs[0].kendall[r]);
    CHECK((tr.pairs[0].kendall[r] > 0.0 && tr.pairs[0].kendall[r] < 1.0));
  }
  // Score spread per surrogate: mean, sd and top-10 % threshold of round 0's scores.
  REQUIRE(tr.spread.size() == 2);
  {
    const auto scores = test::read_f32(f, "/trials/select:narrow:entropy:r1/round_0/scores");
    std::vector<double> v(scores.begin(), scores.end());
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    std::sort(v.rbegin(), v.rend());
    CHECK(tr.spread[1].column == "narrow");
    CHECK(tr.spread[1].mean[1] == doctest::Approx(mean).epsilon(1e-9));
    CHECK(tr.spread[1].top10[1] == v[v.size() / 10 - 1]);
    double hist = 0;
    for (double h : tr.spread[1].hist) hist += h;
    CHECK(hist == doctest::Approx(1.0));
    CHECK(tr.hist_edges.size() == 21);
  }
  write_transfer(dir / "transfer.h5", tr);
  {
    H5::H5File a = test::open_h5((dir / "transfer.h5").string());
    CHECK(test::attr_string(a.openGroup("/"), "format") == "alchain-analysis");
    CHECK(test::read_vector<double>(a, "/pairs/pair_0/kendall", H5::PredType::NATIVE_DOUBLE) == tr.pairs[0].kendall);
  }

  std::ostringstream text;
  print_summary(text, sum, SummaryFormat::text);
  CHECK(contains(text.str(), "off-diagonal cells: "));
  CHECK(contains(text.str(), " of 2 beat random"));
}

TEST_CASE("alchain run --resume after SIGKILL at several points ends with the uninterrupted run's results") {
  test::TempDir dir;
  const auto pipe = dir / "m.toml";
  test::write_file(pipe, test::kSmallMatrix);
  const auto ref = dir / "ref.h5";
  Cli r = cli("run " + pipe.string() + " -o " + ref.string() + " -q");
  REQUIRE_MESSAGE(r.status == 0, r.output);

  // Each fault kills the run at a different moment of storing its n-th trial.
  for (const std::string fault : {"shard-tmp:1", "shard:3", "adopt-open:2", "adopt:7", "adopt-open:12"}) {
    INFO("fault " << fault);
    const auto out = dir / ("killed_" + std::to_string(std::hash<std::string>{}(fault)) + ".h5");
    r = cli("run " + pipe.string() + " -o " + out.string() + " -q", "ALCHAIN_FAULT=" + fault);
    CHECK(r.status == 128 + 9);
    REQUIRE(std::filesystem::exists(out));
    // A plain run refuses to clobber what is there.
    Cli again = cli("run " + pipe.string() + " -o " + out.string() + " -q");
    CHECK(again.status == 1);
    CHECK(contains(again.output, "--resume"));
    r = cli("run " + pipe.string() + " -o " + out.string() + " -q --resume");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    H5::H5File f = test::open_h5(out.string());
    CHECK(test::attr_string(f.openGroup("/"), "status") == "complete");
    CHECK_FALSE(std::filesystem::exists(shard_dir_for(out)));
    check_same_trials(ref, out);
  }

  // A readable file whose shard directory is gone (removed by hand): its trials are kept, and a
  // select trial whose train trials are pending is redone to give them its picks again.
  {
    const auto out = dir / "no_shards.h5";
    r = cli("run " + pipe.string() + " -o " + out.string() + " -q", "ALCHAIN_FAULT=adopt:4");
    REQUIRE(r.status == 128 + 9);
    std::filesystem::remove_all(shard_dir_for(out));
    r = cli("run " + pipe.string() + " -o " + out.string() + " -q --resume");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    check_same_trials(ref, out);
  }

  // Resuming a finished run does nothing and changes nothing.
  const std::string before = test::read_file(ref);
  r = cli("run " + pipe.string() + " -o " + ref.string() + " -q --resume");
  CHECK(r.status == 0);
  CHECK(test::read_file(ref) == before);
}

TEST_CASE("--resume against a file of another plan is refused with the reason, and nothing is changed") {
  test::TempDir dir;
  const auto pipe = dir / "m.toml";
  test::write_file(pipe, test::kSmallMatrix);
  const auto out = dir / "m.h5";
  Cli r = cli("run " + pipe.string() + " -o " + out.string() + " -q", "ALCHAIN_FAULT=adopt:3");
  REQUIRE(r.status == 128 + 9);
  const std::string file_before = test::read_file(out);
  std::set<std::string> shards_before;
  for (const auto& e : std::filesystem::directory_iterator(shard_dir_for(out))) shards_before.insert(e.path().string());

  std::string changed = test::kSmallMatrix;
  changed.replace(changed.find("epochs = 2"), 10, "epochs = 3");
  test::write_file(pipe, changed);
  r = cli("run " + pipe.string() + " -o " + out.string() + " -q --resume");
  CHECK(r.status == 1);
  CHECK(contains(r.output, "another plan"));
  CHECK(contains(r.output, "epochs=3"));  // the first differing line of the plan
  CHECK(test::read_file(out) == file_before);
  std::set<std::string> shards_after;
  for (const auto& e : std::filesystem::directory_iterator(shard_dir_for(out))) shards_after.insert(e.path().string());
  CHECK(shards_after == shards_before);

  // Another thread count per trial is refused too (numbers are reproducible per thread count).
  test::write_file(pipe, test::kSmallMatrix);
  r = cli("run " + pipe.string() + " -o " + out.string() + " -q --resume --threads 2");
  CHECK(r.status == 1);
  CHECK(contains(r.output, "compute threads"));
  CHECK(test::read_file(out) == file_before);
}

TEST_CASE("--jobs 2 with 2 threads gives the same results as one process with 1 thread") {
  test::TempDir dir;
  const auto pipe = dir / "m.toml";
  test::write_file(pipe, test::kSmallMatrix);
  Cli r = cli("run " + pipe.string() + " -o " + (dir / "seq.h5").string() + " -q --threads 1");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  r = cli("run " + pipe.string() + " -o " + (dir / "par.h5").string() + " -q --threads 2 --jobs 2");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  check_same_trials(dir / "seq.h5", dir / "par.h5");
  H5::H5File f = test::open_h5((dir / "par.h5").string());
  CHECK(test::read_i64(f, "/trials/select:wide:entropy:r0/round_0/labeled").size() == 60);

  // The summary command prints the table and the paired comparison.
  r = cli("summary " + (dir / "par.h5").string());
  CHECK(r.status == 0);
  CHECK(contains(r.output, "random"));
  CHECK(contains(r.output, "narrow"));
  r = cli("summary " + (dir / "par.h5").string() + " --format json");
  CHECK(r.status == 0);
  CHECK(contains(r.output, "\"rows\""));
  r = cli("plan " + pipe.string());
  CHECK(r.status == 0);
  CHECK(contains(r.output, "trials: 12 ("));
}

TEST_CASE("one run per result file: a second run on a file being written is refused") {
  test::TempDir dir;
  const auto pipe = dir / "m.toml";
  test::write_file(pipe, test::kSmallMatrix);
  const auto out = dir / "m.h5";
  // Hold the lock as a running alchain would.
  const int fd = ::open((out.string() + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  Cli r = cli("run " + pipe.string() + " -o " + out.string() + " -q");
  CHECK(r.status == 1);
  CHECK(contains(r.output, "another alchain run is writing this file"));
  CHECK_FALSE(std::filesystem::exists(out));
  ::close(fd);
  r = cli("run " + pipe.string() + " -o " + out.string() + " -q");
  CHECK_MESSAGE(r.status == 0, r.output);
  CHECK_FALSE(std::filesystem::exists(out.string() + ".lock"));

  // A reader waits for a file another process holds open for writing (HDF5 locks it with flock)...
  const int h5 = ::open(out.c_str(), O_RDONLY | O_CLOEXEC);  // the lock must not pass to alchain
  REQUIRE(h5 >= 0);
  REQUIRE(::flock(h5, LOCK_EX | LOCK_NB) == 0);
  std::thread holder([h5] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    ::close(h5);
  });
  r = cli("summary " + out.string());
  holder.join();
  CHECK_MESSAGE(r.status == 0, r.output);
  // ...but not for a damaged one nobody holds: that is an error at once (the corpus has more).
  const std::string bytes = test::read_file(out);
  test::write_file(dir / "cut.h5", bytes.substr(0, bytes.size() / 2));
  r = cli("summary " + (dir / "cut.h5").string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "cut.h5"));
}

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

/// Every figure as a real PNG and SVG of sensible size; the HTML names only files that exist.
void check_report(const std::filesystem::path& dir, const std::vector<std::string>& figures) {
  for (const auto& name : figures) {
    INFO(name);
    const std::string png = test::read_file(dir / (name + ".png"));
    const std::string svg = test::read_file(dir / (name + ".svg"));
    CHECK(starts_with(png, "\x89PNG\r\n\x1a\n"));
    CHECK(png.size() > 5000);
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(svg.size() > 5000);
  }
  const std::string html = test::read_file(dir / "report.html");
  CHECK(starts_with(html, "<!DOCTYPE html>"));
  std::size_t at = 0, refs = 0;
  for (const std::string attr : {"src=\"", "href=\""}) {
    at = 0;
    while ((at = html.find(attr, at)) != std::string::npos) {
      at += attr.size();
      const std::string ref = html.substr(at, html.find('"', at) - at);
      CHECK_MESSAGE(std::filesystem::exists(dir / ref), ref);
      ++refs;
    }
  }
  CHECK(refs == 2 * figures.size());
  CHECK(std::filesystem::exists(dir / "report.md"));
}

}  // namespace

TEST_CASE("alchain report draws every figure of a matrix, and of a run cut short as far as it got") {
  test::TempDir dir;
  const auto pipe = dir / "m.toml";
  test::write_file(pipe, test::kSmallMatrix);
  Cli r = cli("run " + pipe.string() + " -o " + (dir / "m.h5").string() + " -q");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  r = cli("report " + (dir / "m.h5").string() + " -o " + (dir / "report").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  check_report(dir / "report", {"matrix", "learning_curves", "score_spread", "transfer"});

  // Cut short: what is there is drawn, and the page says what is missing.
  r = cli("run " + pipe.string() + " -o " + (dir / "cut.h5").string() + " -q", "ALCHAIN_FAULT=adopt:7");
  REQUIRE(r.status == 128 + 9);
  r = cli("report " + (dir / "cut.h5").string() + " -o " + (dir / "cut").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  check_report(dir / "cut", {"matrix", "learning_curves", "score_spread", "transfer"});
  const std::string html = test::read_file(dir / "cut" / "report.html");
  CHECK(contains(html, "run status: running"));
  CHECK(contains(html, "5 of 12 trials missing"));

  // A chain: no matrix and no pairs, but its learning curves and its first round's scores.
  r = cli("run " + (test::source_dir() / "tests/pipelines/small_chain.toml").string() + " -o " +
          (dir / "chain.h5").string() + " -q");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  r = cli("report " + (dir / "chain.h5").string() + " -o " + (dir / "chain").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  check_report(dir / "chain", {"learning_curves", "score_spread"});
  CHECK_FALSE(std::filesystem::exists(dir / "chain" / "matrix.png"));

  // Not a result file: one clear error naming it, nothing drawn.
  test::write_file(dir / "not.h5", "not hdf5");
  r = cli("report " + (dir / "not.h5").string() + " -o " + (dir / "none").string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, (dir / "not.h5").string() + ": "));
  CHECK_FALSE(std::filesystem::exists(dir / "none"));
}

TEST_CASE("a summary of one repeat prints no test statistics, and says why") {
  // A chain of one repeat (the quick start): gen0 beats random, gen1 does not.
  Summary s;
  s.pipeline = "one";
  s.plan_kind = "chain";
  s.status = "complete";
  s.rows = {"gen0", "gen1"};
  s.columns = {"chain", "random"};
  s.repeats = 1;
  s.labeled_per_row = {300, 400};
  s.values = {{{0.80}, {0.70}}, {{0.60}, {0.65}}};
  std::ostringstream text;
  print_summary(text, s, SummaryFormat::text);
  INFO(text.str());
  // n, mean difference, then "-" for the interval, the t-test, Wilcoxon and Holm.
  std::vector<std::string> gen0;
  {
    std::istringstream lines(text.str());
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("gen0        chain", 0) == 0) {
        std::istringstream words(line);
        for (std::string w; words >> w;) gen0.push_back(w);
      }
  }
  CHECK(gen0 == std::vector<std::string>{"gen0", "chain", "1", "+10.00", "-", "-", "-", "-", "1/1"});
  CHECK(contains(text.str(), "-: not computed for a cell with one repeat (n = 1): a paired test needs at least 2"));
  CHECK(contains(text.str(), "1 of 2 beat random"));
  CHECK(contains(text.str(), "sign test over the cells: p = -"));

  // With two repeats the same table has its tests, and no such line.
  s.repeats = 2;
  s.values = {{{0.80, 0.82}, {0.70, 0.71}}, {{0.60, 0.61}, {0.65, 0.64}}};
  std::ostringstream two;
  print_summary(two, s, SummaryFormat::text);
  CHECK_FALSE(contains(two.str(), "not computed"));
  CHECK_FALSE(contains(two.str(), "sign test over the cells: p = -"));
}
