#include "common/prefetcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace anvil::common {
namespace {

TEST(Prefetcher, GivesTheValuesInTheOrderTheyWereMade) {
  int made = 0;  // only the producer's thread touches it
  Prefetcher<std::vector<int>> values(3, [&] { return std::vector<int>(10, made++); });
  for (int i = 0; i < 200; ++i) EXPECT_EQ(values.next(), std::vector<int>(10, i));
}

TEST(Prefetcher, MakesNoMoreThanItsCapacityAhead) {
  std::atomic<int> made{0};
  Prefetcher<int> values(2, [&] { return made++; });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(made.load(), 2);
  EXPECT_EQ(values.next(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(made.load(), 3);
}

TEST(Prefetcher, RethrowsTheProducersErrorAfterTheValuesBeforeIt) {
  int made = 0;
  Prefetcher<int> values(4, [&] {
    if (made == 2) throw std::runtime_error("block 2 is unreadable");
    return made++;
  });
  EXPECT_EQ(values.next(), 0);
  EXPECT_EQ(values.next(), 1);
  try {
    values.next();
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "block 2 is unreadable");
  }
}

TEST(Prefetcher, StopsAProducerWaitingForRoom) {
  std::atomic<int> made{0};
  {
    Prefetcher<int> values(1, [&] { return made++; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }  // destroyed with its queue full: must not hang
  EXPECT_EQ(made.load(), 1);
}

}  // namespace
}  // namespace anvil::common
