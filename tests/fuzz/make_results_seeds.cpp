// Writes fuzz_results' seed inputs with the real shard writer: a small select trial's shard and its checksum file.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "alchain/results/result_store.hpp"

namespace fs = std::filesystem;

namespace {
std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// The raw-mode input of fuzz_results: 0, flags (bit 0: a checksum file exists), checksum length
/// (2 bytes, big-endian), the checksum file, the shard.
void raw_seed(const fs::path& out, bool with_sum, const std::string& sum, const std::string& shard) {
  std::ofstream f(out, std::ios::binary);
  f.put(0);
  f.put(with_sum ? 1 : 0);
  f.put(static_cast<char>(sum.size() >> 8));
  f.put(static_cast<char>(sum.size() & 0xff));
  f << sum << shard;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_results_seeds SCRATCH_DIR CORPUS_DIR\n");
    return 2;
  }
  const fs::path scratch = argv[1], corpus = argv[2];
  fs::create_directories(corpus);
  alchain::TrialRecord t;
  t.id = "chain:r0";
  t.kind = "select";
  t.column = "chain";
  t.threads = 2;
  t.seconds = 1.5;
  alchain::RoundRecord r;
  r.stage_name = "gen0";
  r.model = r.model_plugin = "lenet5";
  r.model_params = "{dropout=0}";
  r.training = "{epochs=1}";
  r.policy = "entropy";
  r.summary_row = "gen0";
  r.labeled = {3, 1, 4};
  r.per_class_accuracy = {0.5, 1.0};
  r.accuracy = 0.75;
  r.has_selection = true;
  r.selected = {5, 9};
  r.scores = {0.1f, 0.9f};
  r.score_ids = {5, 9};
  t.rounds = {r};
  alchain::write_shard(scratch, t, "0123456789abcdef");
  const fs::path shard = scratch / "chain:r0.h5";
  const std::string bytes = read(shard), sum = read(fs::path(shard.string() + ".sum"));
  raw_seed(corpus / "shard_with_sum", true, sum, bytes);
  raw_seed(corpus / "shard_without_sum", false, "", bytes);
  raw_seed(corpus / "shard_sum_of_nothing", true, "crc32 00000000 size 0\n", "");
  // Structured modes start from a few bytes each; the provider reads what it needs from them.
  for (int mode = 1; mode <= 2; ++mode) {
    std::ofstream f(corpus / ("structured_" + std::to_string(mode)), std::ios::binary);
    f.put(static_cast<char>(mode));
    for (int i = 0; i < 48; ++i) f.put(static_cast<char>((i * 37 + mode) & 0xff));
  }
  return 0;
}
