#pragma once
#include <cstdint>

namespace anvil::training {

enum class ScheduleKind { kCosine, kLinear, kConstant, kWsd };

// The learning rate's shape over a run, every default already decided.
struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kCosine;
  double peak_lr = 1e-3;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;
  int64_t decay_steps = 1;      // the step at which the decay reaches min_lr
  double decay_fraction = 0.2;  // wsd: share of decay_steps spent decaying
};

// Learning rate for optimizer step `step` (0-based): linear warmup to
// peak_lr, then the schedule's shape down to min_lr.
//   cosine:   half a cosine from peak_lr to min_lr over [warmup, decay_steps]
//   linear:   a straight line over the same span
//   constant: peak_lr after warmup
//   wsd:      warmup, stable at peak_lr, then a linear decay over the last
//             decay_fraction of the steps (Hu et al., MiniCPM)
double learning_rate(const ScheduleOptions& schedule, int64_t step);

}  // namespace anvil::training
