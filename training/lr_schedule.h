#pragma once
#include <cstdint>

#include "recipes/run_config.h"

namespace anvil::training {

// Learning rate for optimizer step `step` (0-based) of `max_steps`: linear
// warmup to peak_lr, then the schedule's shape down to min_lr.
//   cosine:   half a cosine from peak_lr to min_lr over [warmup, decay_steps]
//   linear:   a straight line over the same span
//   constant: peak_lr after warmup
//   wsd:      warmup, stable at peak_lr, then a linear decay over the last
//             decay_fraction of the steps (Hu et al., MiniCPM)
double learning_rate(const recipes::ScheduleSection& schedule, double peak_lr, int64_t step, int64_t max_steps);

}  // namespace anvil::training
