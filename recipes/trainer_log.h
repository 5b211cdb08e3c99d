#pragma once
// What a training run prints and records as it goes: the header, each
// train.log_every step's line and metrics.jsonl record, and the closing line.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <c10/core/Device.h>

#include "models/gpt.h"
#include "recipes/run_config.h"
#include "recipes/run_data.h"
#include "recipes/trainer.h"
#include "training/checkpoint.h"
#include "training/communicator.h"
#include "training/run_record.h"
#include "training/train_step.h"

namespace anvil::recipes {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void print_header(const RunConfig& config, models::GPT& model, const RunData& data, c10::Device device,
                  const training::Communicator& comm, const training::TrainStep& step);

// Throughput over the steps since the last log line, and the ETA from all
// steps this process has run (evaluation and checkpoint time excluded).
struct Progress {
  double train_seconds = 0, interval_seconds = 0;
  int64_t interval_tokens = 0, steps = 0;

  void add_step(double seconds, int64_t tokens);
  void add_wait(double seconds);
  double tokens_per_second() const { return static_cast<double>(interval_tokens) / interval_seconds; }
  double eta(int64_t steps_left) const;
  void start_interval();
};

// The step's log line and metrics.jsonl record, every train.log_every steps.
struct StepLog {
  std::optional<training::RunRecord> record;  // rank 0's
  Progress progress;
  Clock::time_point start = Clock::now();
  double peak_flops = 0;  // every rank's devices together: MFU counts every rank's tokens
  double flops_per_token = 0;
  int64_t skipped_steps = 0;  // so far, with a NaN or Inf loss or gradient norm
  std::string figures;        // the last line's loss and tokens/s, for the live progress line

  void write(const training::TrainingState& state, const training::StepResult& result, double lr,
             int64_t max_steps, const training::ShardedAdamW& optimizer, training::Communicator& comm,
             c10::Device device);
};

// The closing line, with the best validation too: a small corpus overfits, and
// a run is judged by its best checkpoint. The final validation is the last
// step's, which a run that had nothing to do restored from its checkpoint.
void print_done(const TrainSummary& summary, const training::TrainingState& state);

}  // namespace anvil::recipes
