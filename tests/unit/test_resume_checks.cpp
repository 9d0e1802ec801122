// Shard checksums: a damaged trial shard is refused by name before HDF5 reads it, and --resume changes nothing.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/plan/plan.hpp"
#include "alchain/results/result_store.hpp"
#include "alchain/results/resume_checks.hpp"
#include "test_support.hpp"

using namespace alchain;
namespace fs = std::filesystem;

namespace {

const char kFingerprint[] = "0123456789abcdef";

TrialRecord small_trial(const std::string& id) {
  TrialRecord t;
  t.id = id;
  t.kind = "select";
  t.column = "chain";
  t.threads = 2;
  RoundRecord r;
  r.labeled = {3, 1, 4};
  r.per_class_accuracy = {0.5};
  r.has_selection = true;
  r.selected = {5, 9};
  t.rounds = {r};
  return t;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void put_bytes(const fs::path& p, const std::string& b) { std::ofstream(p, std::ios::binary | std::ios::trunc) << b; }

}  // namespace

TEST_CASE("a shard is written with its checksum and verified against it before HDF5 opens it") {
  test::TempDir dir;
  write_shard(dir.path(), small_trial("chain:r0"), kFingerprint);
  const fs::path shard = dir / "chain:r0.h5", sum = shard_checksum_path(shard);
  REQUIRE(fs::exists(sum));
  const std::string good = bytes_of(shard);
  CHECK(bytes_of(sum) == shard_checksum_line(good.data(), good.size()));

  ShardState st = read_shard_state(shard);
  CHECK(st.complete);
  CHECK_FALSE(st.damaged);
  CHECK(st.fingerprint == kFingerprint);
  CHECK(st.threads == 2);
  CHECK(read_labeling_order(dir.path(), "chain:r0") == std::vector<std::int64_t>{3, 1, 4, 5, 9});

  SUBCASE("one byte changed") {
    std::string bad = good;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x5a);
    put_bytes(shard, bad);
    st = read_shard_state(shard);
    CHECK(st.damaged);
    CHECK_FALSE(st.complete);
    CHECK(st.problem == "damaged trial shard (checksum mismatch)");
    const std::string expected = shard.string() + ": damaged trial shard (checksum mismatch)";
    CHECK_THROWS_WITH(read_labeling_order(dir.path(), "chain:r0"), doctest::Contains(expected.c_str()));
  }
  SUBCASE("cut short") {
    put_bytes(shard, good.substr(0, good.size() - 100));
    st = read_shard_state(shard);
    CHECK(st.damaged);
    CHECK(st.problem == "damaged trial shard (checksum mismatch: size)");
  }
  SUBCASE("no checksum file") {
    fs::remove(sum);
    st = read_shard_state(shard);
    CHECK(st.damaged);
    CHECK(st.problem == "damaged trial shard (no checksum file chain:r0.h5.sum)");
  }
  SUBCASE("a damaged checksum file") {
    put_bytes(sum, "crc32 zz size 1\n");
    st = read_shard_state(shard);
    CHECK(st.damaged);
    CHECK(st.problem == "damaged trial shard (its checksum file chain:r0.h5.sum is damaged)");
  }
}

TEST_CASE("--resume refuses a damaged shard by name and leaves the shard directory as it was") {
  test::TempDir dir;
  Diagnostics d("tiny.toml");
  const Pipeline p = parse_pipeline(
      "schema = 1\nname = \"tiny\"\n[dataset]\nplugin = \"fashion_mnist\"\n[budget]\ninitial = 10\nper_cycle = 5\n"
      "cycles = 1\n[[generation]]\nmodel = \"mlp\"\npolicy = \"entropy\"\n",
      "tiny.toml", test::shipped_plugins(), d);
  REQUIRE_MESSAGE(d.empty(), d.str());
  const Plan plan = expand_plan(p, 100);
  const fs::path out = dir / "tiny.h5", shards = shard_dir_for(out);
  TrialRecord t = small_trial(plan.trials.front().id);
  RunHeader header;
  header.trial_threads = t.threads;
  write_shard(shards, t, plan.fingerprint);
  const fs::path shard = shards / (t.id + ".h5");
  std::string bad = bytes_of(shard);
  bad[bad.size() / 3] = static_cast<char>(bad[bad.size() / 3] ^ 0x01);
  put_bytes(shard, bad);
  const auto before = bytes_of(shard_checksum_path(shard));

  const std::string expected = shard.string() + ": damaged trial shard (checksum mismatch); move it away";
  CHECK_THROWS_WITH(ResultStore(out, plan, header, ResultStore::Mode::resume), doctest::Contains(expected.c_str()));
  CHECK(bytes_of(shard) == bad);
  CHECK(bytes_of(shard_checksum_path(shard)) == before);
  CHECK_FALSE(fs::exists(out));
}
