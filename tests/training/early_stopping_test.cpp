#include <gtest/gtest.h>

#include <limits>

#include "training/early_stopping.h"

using anvil::training::patience_ran_out;

TEST(EarlyStopping, CountsValidationsWithoutImprovement) {
  std::optional<double> best;
  int64_t since = 0;
  EXPECT_FALSE(patience_ran_out(best, since, -3.0, 2));
  EXPECT_FALSE(patience_ran_out(best, since, -2.0, 2));  // better: the count starts again
  EXPECT_FALSE(patience_ran_out(best, since, -2.5, 2));
  EXPECT_TRUE(patience_ran_out(best, since, -2.0, 2));  // equal is no improvement
  EXPECT_EQ(*best, -2.0);
  EXPECT_FALSE(patience_ran_out(best, since, -9.0, 0));  // patience 0: never stops
}

TEST(EarlyStopping, NonFiniteScoresNeverBecomeTheBest) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::optional<double> best;
  int64_t since = 0;
  EXPECT_FALSE(patience_ran_out(best, since, nan, 3));
  EXPECT_FALSE(best.has_value());
  EXPECT_FALSE(patience_ran_out(best, since, -4.0, 3));  // a finite score after a NaN one improves
  EXPECT_EQ(*best, -4.0);
  EXPECT_EQ(since, 0);
  best = -std::numeric_limits<double>::infinity();  // a best saved by a diverged run
  EXPECT_FALSE(patience_ran_out(best, since, -5.0, 3));
  EXPECT_EQ(*best, -5.0);
}
