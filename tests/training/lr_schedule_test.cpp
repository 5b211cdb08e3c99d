#include <gtest/gtest.h>

#include "training/lr_schedule.h"

using anvil::training::learning_rate;
using anvil::recipes::ScheduleSection;

namespace {
ScheduleSection schedule(const std::string& type) {
  ScheduleSection s;
  s.type = type;
  s.warmup_steps = 10;
  s.min_lr = 0.1;
  return s;
}
}  // namespace

TEST(LrSchedule, WarmupRisesLinearlyToPeak) {
  const auto s = schedule("cosine");
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 0, 110), 1.0 / 11);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 9, 110), 10.0 / 11);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 10, 110), 1.0);
}

TEST(LrSchedule, CosineFallsToMinThroughTheMidpoint) {
  const auto s = schedule("cosine");
  EXPECT_NEAR(learning_rate(s, 1.0, 60, 110), 0.55, 1e-12);  // half way: (peak + min) / 2
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 110, 110), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 500, 110), 0.1);
}

TEST(LrSchedule, LinearAndConstant) {
  EXPECT_NEAR(learning_rate(schedule("linear"), 1.0, 35, 110), 1.0 - 0.25 * 0.9, 1e-12);
  EXPECT_DOUBLE_EQ(learning_rate(schedule("constant"), 1.0, 100, 110), 1.0);
}

TEST(LrSchedule, WsdHoldsThenDecaysOverTheLastFraction) {
  auto s = schedule("wsd");
  s.decay_fraction = 0.2;  // decay over steps [80, 100)
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 79, 100), 1.0);
  EXPECT_NEAR(learning_rate(s, 1.0, 90, 100), 0.55, 1e-12);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 100, 100), 0.1);
}

TEST(LrSchedule, DecayStepsEndsTheDecayEarly) {
  auto s = schedule("cosine");
  s.decay_steps = 50;
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 50, 1000), 0.1);
}
