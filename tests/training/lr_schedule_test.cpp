#include <gtest/gtest.h>

#include "training/lr_schedule.h"

using anvil::training::learning_rate;
using anvil::training::ScheduleKind;
using anvil::training::ScheduleOptions;

namespace {
ScheduleOptions schedule(ScheduleKind kind, int64_t decay_steps) {
  ScheduleOptions s;
  s.kind = kind;
  s.peak_lr = 1.0;
  s.min_lr = 0.1;
  s.warmup_steps = 10;
  s.decay_steps = decay_steps;
  return s;
}
}  // namespace

TEST(LrSchedule, WarmupRisesLinearlyToPeak) {
  const auto s = schedule(ScheduleKind::kCosine, 110);
  EXPECT_DOUBLE_EQ(learning_rate(s, 0), 1.0 / 11);
  EXPECT_DOUBLE_EQ(learning_rate(s, 9), 10.0 / 11);
  EXPECT_DOUBLE_EQ(learning_rate(s, 10), 1.0);
}

TEST(LrSchedule, CosineFallsToMinThroughTheMidpoint) {
  const auto s = schedule(ScheduleKind::kCosine, 110);
  EXPECT_NEAR(learning_rate(s, 60), 0.55, 1e-12);  // half way: (peak + min) / 2
  EXPECT_DOUBLE_EQ(learning_rate(s, 110), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(s, 500), 0.1);
}

TEST(LrSchedule, LinearAndConstant) {
  EXPECT_NEAR(learning_rate(schedule(ScheduleKind::kLinear, 110), 35), 1.0 - 0.25 * 0.9, 1e-12);
  EXPECT_DOUBLE_EQ(learning_rate(schedule(ScheduleKind::kConstant, 110), 100), 1.0);
}

TEST(LrSchedule, WsdHoldsThenDecaysOverTheLastFraction) {
  auto s = schedule(ScheduleKind::kWsd, 100);
  s.decay_fraction = 0.2;  // decay over steps [80, 100)
  EXPECT_DOUBLE_EQ(learning_rate(s, 79), 1.0);
  EXPECT_NEAR(learning_rate(s, 90), 0.55, 1e-12);
  EXPECT_DOUBLE_EQ(learning_rate(s, 100), 0.1);
}

TEST(LrSchedule, DecayStepsEndsTheDecay) {
  EXPECT_DOUBLE_EQ(learning_rate(schedule(ScheduleKind::kCosine, 50), 50), 0.1);
}
