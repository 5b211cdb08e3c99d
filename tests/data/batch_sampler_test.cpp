#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data/batch_sampler.h"
#include "tests/support/error_of.h"

using anvil::data::SamplerCursor;
using anvil::data::ShuffledBatchSampler;
using anvil::test_support::error_of;

TEST(ShuffledBatchSampler, EachEpochVisitsItemsOnceInShuffledOrder) {
  ShuffledBatchSampler sampler(12, 4, 7);
  std::vector<int64_t> epoch;
  for (int i = 0; i < 3; ++i) {
    const auto batch = sampler.next();
    ASSERT_EQ(batch.size(), 4u);
    epoch.insert(epoch.end(), batch.begin(), batch.end());
  }
  std::vector<int64_t> sorted = epoch;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_FALSE(std::is_sorted(epoch.begin(), epoch.end()));
  EXPECT_EQ(sampler.cursor().epoch, 0);
  sampler.next();
  EXPECT_EQ(sampler.cursor().epoch, 1);
}

TEST(ShuffledBatchSampler, SameSeedSameBatchesOtherSeedOtherBatches) {
  ShuffledBatchSampler a(1000, 8, 42), b(1000, 8, 42), c(1000, 8, 43);
  const auto first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
}

TEST(ShuffledBatchSampler, ResumingFromACursorContinuesTheSameSequence) {
  ShuffledBatchSampler straight(50, 8, 3);  // 6 batches per epoch, 2 items dropped
  std::vector<std::vector<int64_t>> expected;
  SamplerCursor saved;
  for (int i = 0; i < 20; ++i) {
    if (i == 9) saved = straight.cursor();
    expected.push_back(straight.next());
  }
  ShuffledBatchSampler resumed(50, 8, 3, saved);
  for (int i = 9; i < 20; ++i) EXPECT_EQ(resumed.next(), expected[static_cast<size_t>(i)]) << "batch " << i;
}

TEST(ShuffledBatchSampler, BatchLargerThanDataIsAnError) {
  EXPECT_EQ(error_of<std::invalid_argument>([] { ShuffledBatchSampler(3, 4, 0); }),
            "only 3 sequences for a batch of 4");
}
