#include <gtest/gtest.h>

#include "data/token_blocks.h"
#include "tests/support/error_of.h"

using anvil::data::TokenBlocks;
using anvil::test_support::error_of;

TEST(TokenBlocks, TilesTheStreamWithTargetsShiftedByOne) {
  const auto stream = torch::arange(10);  // 0..9
  const TokenBlocks blocks(stream, 4);
  ASSERT_EQ(blocks.size(), 2);  // (10 - 1) / 4
  const auto batch = blocks.gather({1, 0});
  ASSERT_EQ(batch.inputs.sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_TRUE(batch.inputs[0].equal(torch::tensor({4, 5, 6, 7})));
  EXPECT_TRUE(batch.targets[0].equal(torch::tensor({5, 6, 7, 8})));
  EXPECT_TRUE(batch.inputs[1].equal(torch::tensor({0, 1, 2, 3})));
  EXPECT_EQ(batch.inputs.dtype(), torch::kLong);
}

TEST(TokenBlocks, StrideOneGivesAWindowAtEveryOffset) {
  const TokenBlocks blocks(torch::arange(10, torch::kInt), 4, 1);
  ASSERT_EQ(blocks.size(), 6);  // windows starting at 0..5
  const auto last = blocks.gather({5});
  EXPECT_TRUE(last.inputs[0].equal(torch::tensor({5, 6, 7, 8})));
  EXPECT_TRUE(last.targets[0].equal(torch::tensor({6, 7, 8, 9})));
}

TEST(TokenBlocks, RangeReturnsConsecutiveBlocks) {
  const TokenBlocks blocks(torch::arange(100), 8);
  const auto batch = blocks.range(3, 5);
  EXPECT_EQ(batch.inputs.size(0), 5);
  EXPECT_EQ(batch.inputs[0][0].item<int64_t>(), 24);
  EXPECT_EQ(batch.targets[4][7].item<int64_t>(), 7 * 8 + 8);
}

TEST(TokenBlocks, TooShortStreamIsAnError) {
  EXPECT_EQ(error_of<std::invalid_argument>([] { TokenBlocks(torch::arange(4), 4); }),
            "a stream of 4 tokens is too short for one block of 4 (needs block size + 1 tokens)");
  EXPECT_NO_THROW(TokenBlocks(torch::arange(5), 4));
}

TEST(SplitTokens, HoldsOutTheTail) {
  const auto [train, val] = anvil::data::split_tokens(torch::arange(100), 0.1);
  EXPECT_EQ(train.size(0), 90);
  EXPECT_EQ(val.size(0), 10);
  EXPECT_EQ(val[0].item<int64_t>(), 90);
}
