#include "training/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace anvil::training {

double learning_rate(const ScheduleOptions& s, int64_t step) {
  if (step < s.warmup_steps) return s.peak_lr * static_cast<double>(step + 1) / static_cast<double>(s.warmup_steps + 1);
  if (s.kind == ScheduleKind::kConstant) return s.peak_lr;
  const int64_t end = s.decay_steps;
  int64_t start = s.warmup_steps;
  if (s.kind == ScheduleKind::kWsd)
    start = std::max(start, end - static_cast<int64_t>(std::llround(s.decay_fraction * end)));
  if (step < start) return s.peak_lr;
  if (step >= end) return s.min_lr;
  const double progress = static_cast<double>(step - start) / static_cast<double>(std::max<int64_t>(1, end - start));
  const double coefficient = s.kind == ScheduleKind::kCosine ? 0.5 * (1.0 + std::cos(M_PI * progress)) : 1.0 - progress;
  return s.min_lr + coefficient * (s.peak_lr - s.min_lr);
}

}  // namespace anvil::training
