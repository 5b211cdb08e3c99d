#include <gtest/gtest.h>

#include <cmath>

#include "models/positions.h"

TEST(SinusoidalPositions, MatchesTheFormula) {
  const auto table = anvil::models::sinusoidal_positions(50, 16);
  ASSERT_EQ(table.sizes(), (std::vector<int64_t>{50, 16}));
  for (int64_t p : {0, 1, 17, 49})
    for (int64_t i = 0; i < 8; ++i) {
      const double angle = static_cast<double>(p) / std::pow(10000.0, 2.0 * static_cast<double>(i) / 16.0);
      EXPECT_NEAR(table[p][2 * i].item<double>(), std::sin(angle), 1e-5);
      EXPECT_NEAR(table[p][2 * i + 1].item<double>(), std::cos(angle), 1e-5);
    }
}
