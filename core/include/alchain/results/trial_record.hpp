/// What a finished trial leaves: its training rounds, their metrics, picks and scores.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace alchain {

/// One model trained from scratch on a labeled set, evaluated, and (in a selecting round) used
/// by a policy to pick.
struct RoundRecord {
  int stage = 0;                 ///< generation index within a select trial (0 for train trials)
  std::string stage_name;        ///< generation or surrogate name
  std::string model;             ///< model entry name (the seed key)
  std::string model_plugin;
  std::string model_params;      ///< canonical text
  std::string training;          ///< canonical training options
  std::string policy;            ///< policy entry name, "" when the round does not select
  std::string training_head;     ///< policy whose training head (LLAL's) trained with the model, "" = none
  int cycle = 0;
  std::string summary_row;       ///< the summary cell this round fills, if any
  std::uint64_t init_seed = 0, data_seed = 0, policy_seed = 0;
  std::vector<std::int64_t> labeled;  ///< labeling order
  double accuracy = 0;                    ///< of samples; segmentation: of labelled pixels
  std::vector<double> per_class_accuracy; ///< recall per class
  double miou = 0;                        ///< mean IoU over the classes present (segmentation's headline)
  std::vector<double> per_class_iou;
  std::vector<std::int64_t> confusion;    ///< K x K, [truth][predicted], row-major
  double train_loss = 0;
  std::int64_t epochs = 0, steps = 0;
  std::int64_t model_parameters = 0, model_macs = 0;
  std::map<std::string, double> timings;  ///< seconds: train_s, eval_s, score_s, select_s
  bool has_selection = false;
  std::vector<std::int64_t> selected, score_ids;
  std::vector<float> scores;
};

struct TrialRecord {
  std::string id, kind, column, source;
  int repeat = 0;
  int threads = 0;
  std::string device;  ///< the device it computed on: "cpu", "cuda:0", ...
  double seconds = 0;
  std::vector<RoundRecord> rounds;
};

}  // namespace alchain
