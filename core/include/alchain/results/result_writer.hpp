/// Writes one run's results to an HDF5 file as the run goes (layout: docs/hdf5.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace alchain {

/// Root attributes, written when the file is created.
struct RunAttributes {
  std::string pipeline_name, pipeline_path, pipeline_text;
  std::string dataset;
  std::vector<std::uint64_t> seeds;  ///< one per repeat
  int threads = 0;
  std::vector<std::string> arms;
  std::vector<std::string> class_names;
};

/// One round of one generation: what it trained on, how it did, and what it picked.
struct CycleRecord {
  int repeat = 0;
  std::string arm;
  int generation = 0;
  std::string generation_name, model, policy;
  bool reference = false;  ///< the generation is a reference run (its policy may read labels)
  int cycle = 0;
  std::uint64_t seed = 0;  ///< model init and data order of this round
  std::vector<std::int64_t> labeled;
  double accuracy = 0;
  std::vector<double> per_class_accuracy;
  double train_loss = 0;
  std::int64_t model_parameters = 0, model_macs = 0;
  std::map<std::string, double> timings;  ///< seconds: train_s, eval_s, score_s, select_s
  bool has_selection = false;
  std::vector<std::int64_t> selected;
  std::vector<std::int64_t> score_ids;
  std::vector<float> scores;
};

/// The file is opened for each write and closed after it, so between cycles it is complete on
/// disk: a run killed at any other moment leaves a readable file with every finished cycle.
class ResultWriter {
 public:
  /// Creates the file. Refuses an existing file unless `overwrite`.
  ResultWriter(std::filesystem::path path, bool overwrite, const RunAttributes& attrs);
  const std::filesystem::path& path() const { return path_; }

  void write_initial(int repeat, std::uint64_t seed, const std::vector<std::int64_t>& initial);
  void write_cycle(const CycleRecord& record);
  /// Root attribute `status`: "running" from creation, then "complete" or "failed: <why>".
  void set_status(const std::string& status);

 private:
  std::filesystem::path path_;
};

/// "repeat_0/chain/gen_1/cycle_2": where a cycle's group lives.
std::string cycle_group_path(int repeat, const std::string& arm, int generation, int cycle);

}  // namespace alchain
