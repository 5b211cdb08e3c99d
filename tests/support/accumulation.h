#pragma once
// Gradient accumulation must give the gradient of one large batch: one step
// of 4 accumulated micro-batches of 2 against one step of a batch of 8 over
// the same sequences (same seed, so the loader draws the same 8 in order).
#include <gtest/gtest.h>

#include "tests/support/metrics.h"
#include "tests/support/temp_dir.h"
#include "recipes/trainer.h"

namespace anvil::test_support {

inline void expect_accumulation_matches_one_large_batch(const TempDir& dir, recipes::RunConfig config,
                                                        double grad_norm_tolerance) {
  config.train.max_steps = 1;
  config.train.batch_size = 2;
  config.train.grad_accum = 4;
  config.schedule.warmup_steps = 0;
  config.run.dir = dir.path("accumulated");
  auto large = config;
  large.train.batch_size = 8;
  large.train.grad_accum = 1;
  large.run.dir = dir.path("large");
  recipes::train(config);
  recipes::train(large);
  const auto a = read_metrics(config.run.dir).front();
  const auto b = read_metrics(large.run.dir).front();
  EXPECT_NEAR(a.at("loss").get<double>(), b.at("loss").get<double>(), 1e-6);
  EXPECT_NEAR(a.at("grad_norm").get<double>(), b.at("grad_norm").get<double>(), grad_norm_tolerance);
}

}  // namespace anvil::test_support
