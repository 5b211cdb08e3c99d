#pragma once
// Watches the steps whose loss or gradient norm was NaN or Inf. The step
// itself never lets one reach the weights (TrainStep: the optimizer skips it
// on the device); this counts them without waiting for the device each step,
// and says when the run must stop: at the first with kStop, after `limit`
// consecutive ones with kSkip. Read at each log line, validation and
// checkpoint (check()), where the trainer waits for the device anyway.
#include <cstdint>
#include <optional>
#include <string>

#include <ATen/core/Tensor.h>

#include "training/nonfinite_options.h"

namespace anvil::training {

class NonFiniteGuard {
 public:
  explicit NonFiniteGuard(NonFiniteOptions options) : options_(options) {}

  // After step `step` (counted from 1): `skipped` is the step's device flag
  // (a float scalar, 1 when it was skipped).
  void record(const at::Tensor& skipped, int64_t step);
  // Reads the counters (waits for the device). The message of the error that
  // ends the run, or nullopt when it goes on.
  std::optional<std::string> check();
  // As of the last check(): the steps skipped since the previous call, and in all.
  int64_t take_new_skips();
  int64_t skipped_total() const { return read_total_; }

 private:
  NonFiniteOptions options_;
  at::Tensor skipped_, consecutive_, stop_step_;  // on the device: total, current run, the step that stops
  int64_t read_total_ = 0, taken_total_ = 0, read_stop_step_ = -1;
};

}  // namespace anvil::training
