#include "training/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace anvil::training {

double learning_rate(const recipes::ScheduleSection& s, double peak_lr, int64_t step, int64_t max_steps) {
  if (step < s.warmup_steps) return peak_lr * static_cast<double>(step + 1) / static_cast<double>(s.warmup_steps + 1);
  if (s.type == "constant") return peak_lr;
  const int64_t end = s.decay_steps > 0 ? s.decay_steps : max_steps;
  int64_t start = s.warmup_steps;
  if (s.type == "wsd") start = std::max(start, end - static_cast<int64_t>(std::llround(s.decay_fraction * end)));
  if (step < start) return peak_lr;
  if (step >= end) return s.min_lr;
  const double progress = static_cast<double>(step - start) / static_cast<double>(std::max<int64_t>(1, end - start));
  const double coefficient = s.type == "cosine" ? 0.5 * (1.0 + std::cos(M_PI * progress)) : 1.0 - progress;
  return s.min_lr + coefficient * (peak_lr - s.min_lr);
}

}  // namespace anvil::training
