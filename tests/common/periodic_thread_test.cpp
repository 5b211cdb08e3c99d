#include "common/periodic_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace anvil::common {
namespace {

using std::chrono::milliseconds;

TEST(PeriodicThread, TicksAtOnceAndThenEveryInterval) {
  std::atomic<int> ticks{0};
  {
    PeriodicThread beat(milliseconds(20), [&] { return ++ticks, true; });
    std::this_thread::sleep_for(milliseconds(110));
  }
  EXPECT_GE(ticks.load(), 3);
  EXPECT_LE(ticks.load(), 7);
}

TEST(PeriodicThread, DestructionDoesNotWaitOutTheInterval) {
  std::atomic<int> ticks{0};
  const auto start = std::chrono::steady_clock::now();
  {
    PeriodicThread beat(std::chrono::hours(1), [&] { return ++ticks, true; });
    while (ticks.load() == 0) std::this_thread::yield();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(ticks.load(), 1);
}

TEST(PeriodicThread, StopsWhenTheTickSaysSo) {
  std::atomic<int> ticks{0};
  PeriodicThread beat(milliseconds(1), [&] { return ++ticks < 3; });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(ticks.load(), 3);
}

}  // namespace
}  // namespace anvil::common
