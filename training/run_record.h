#pragma once
// What a training run records as it goes, on rank 0: each scalar in
// metrics.jsonl and in TensorBoard's event file alike, the resolved config
// and the sample generations as TensorBoard text.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "training/event_file.h"
#include "training/metrics_log.h"

namespace anvil::training {

class RunRecord {
 public:
  // Both files kept up to `keep_through_step` (see MetricsLog, EventFile).
  RunRecord(const std::string& run_dir, int64_t keep_through_step);

  // The scalars of a step's log line (group "train") or of a validation
  // ("val"): one metrics.jsonl line, one event with tags tensorboard_tag().
  void write(int64_t step, const std::string& group, const std::map<std::string, double>& values);
  // The resolved config, once, when the event file is new.
  void write_config(const std::string& yaml);
  void write_samples(int64_t step, const std::vector<GeneratedSample>& samples);

 private:
  MetricsLog metrics_;
  EventFile events_;
};

// "GROUP/NAME", as TensorBoard groups its charts: the key without the
// group's own prefix ("val_loss" -> "val/loss", "loss" -> "train/loss",
// "eval_rewards/margins" -> "val/rewards/margins", "arc_easy/acc" -> "val/arc_easy/acc").
std::string tensorboard_tag(const std::string& group, const std::string& key);

}  // namespace anvil::training
