#include <gtest/gtest.h>

#include <map>

#include "data/batch_loader.h"
#include "data/token_blocks.h"
#include "tests/support/error_of.h"

using namespace anvil::data;
using anvil::test_support::error_of;

namespace {

// Each source's tokens carry its identity: source s holds values s*1000 + i.
std::shared_ptr<const BlockDataset> source(int64_t id, int64_t tokens) {
  return std::make_shared<const TokenBlocks>(torch::arange(tokens, torch::kLong) + id * 1000, 4);
}

}  // namespace

TEST(MixtureSampler, DrawsSourcesInProportionToTheirWeights) {
  MixtureSampler sampler({50, 50}, {3.0, 1.0}, 11);
  std::map<size_t, int> counts;
  for (int i = 0; i < 8000; ++i) ++counts[sampler.next().first];
  EXPECT_NEAR(counts[0] / 8000.0, 0.75, 0.02);
}

TEST(MixtureSampler, EachSourceVisitsEveryBlockOncePerEpoch) {
  MixtureSampler sampler({10}, {1.0}, 3);
  std::vector<int64_t> seen;
  for (int i = 0; i < 10; ++i) seen.push_back(sampler.next().second);
  std::sort(seen.begin(), seen.end());
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
  EXPECT_EQ(sampler.cursor().sources[0].epoch, 0);
  sampler.next();
  EXPECT_EQ(sampler.cursor().sources[0].epoch, 1);
}

TEST(MixtureSampler, RebuiltFromItsCursorContinuesExactly) {
  MixtureSampler straight({7, 13, 5}, {1.0, 2.0, 0.5}, 99);
  for (int i = 0; i < 37; ++i) straight.next();
  MixtureSampler resumed({7, 13, 5}, {1.0, 2.0, 0.5}, 99, straight.cursor());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(straight.next(), resumed.next()) << "draw " << i;
}

TEST(MixtureSampler, CursorOfAnotherMixtureIsRefused) {
  MixtureSampler two({7, 13}, {1.0, 1.0}, 1);
  EXPECT_EQ(error_of<std::invalid_argument>([&] { MixtureSampler({7}, {1.0}, 1, two.cursor()); }),
            "the saved loader cursor has 2 sources, the config 1");
  EXPECT_EQ(error_of<std::invalid_argument>([] { MixtureSampler({7}, {0.0}, 1); }), "mixture weights must be positive");
}

TEST(BatchLoader, PrefetchingChangesNothingAndResumesExactly) {
  const std::vector<std::shared_ptr<const BlockDataset>> sources = {source(0, 200), source(1, 120)};
  BatchLoader eager(sources, {2.0, 1.0}, 6, 5, {}, 0);
  BatchLoader ahead(sources, {2.0, 1.0}, 6, 5, {}, 3);
  MixtureCursor after_ten;
  for (int i = 0; i < 10; ++i) {
    const auto a = eager.next(), b = ahead.next();
    EXPECT_TRUE(a.batch.inputs.equal(b.batch.inputs)) << "batch " << i;
    EXPECT_TRUE(a.batch.targets.equal(b.batch.targets));
    after_ten = a.cursor;
  }
  BatchLoader resumed(sources, {2.0, 1.0}, 6, 5, after_ten, 2);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(eager.next().batch.inputs.equal(resumed.next().batch.inputs));
  // Rows keep their source's tokens, and both sources show up about 2:1.
  int64_t from_second = 0;
  for (int i = 0; i < 50; ++i) {
    const auto inputs = eager.next().batch.inputs;
    ASSERT_EQ(inputs.sizes(), (std::vector<int64_t>{6, 4}));
    from_second += (inputs.select(1, 0) >= 1000).sum().item<int64_t>();
  }
  EXPECT_GT(from_second, 60);
  EXPECT_LT(from_second, 140);
}

TEST(BatchLoader, BackgroundErrorsReachTheCaller) {
  // A dataset whose blocks cannot be fetched: the loader thread fails, next() rethrows.
  struct Broken final : BlockDataset {
    int64_t size() const override { return 10; }
    int64_t block_size() const override { return 4; }
    Batch gather(const std::vector<int64_t>&) const override { throw std::runtime_error("disk gone"); }
  };
  BatchLoader loader({std::make_shared<const Broken>()}, {1.0}, 2, 1, {}, 2);
  EXPECT_EQ(error_of<std::runtime_error>([&] { loader.next(); }), "disk gone");
}

TEST(BatchLoader, PartsOfABatchTogetherAreTheWholeBatchWithTheSameCursor) {
  const std::vector<std::shared_ptr<const BlockDataset>> sources = {source(0, 200), source(1, 120)};
  BatchLoader whole(sources, {2.0, 1.0}, 6, 5, {}, 0);
  BatchLoader first(sources, {2.0, 1.0}, 6, 5, {}, 2, {0, 3}), second(sources, {2.0, 1.0}, 6, 5, {}, 0, {1, 3}),
      third(sources, {2.0, 1.0}, 6, 5, {}, 1, {2, 3});
  for (int i = 0; i < 8; ++i) {
    const auto all = whole.next();
    const auto a = first.next(), b = second.next(), c = third.next();
    ASSERT_EQ(a.batch.inputs.size(0), 2);
    EXPECT_TRUE(torch::cat({a.batch.inputs, b.batch.inputs, c.batch.inputs}).equal(all.batch.inputs)) << "batch " << i;
    EXPECT_EQ(a.cursor.draws, all.cursor.draws);
    EXPECT_EQ(c.cursor.sources[1].position, all.cursor.sources[1].position);
  }
  EXPECT_EQ(error_of<std::invalid_argument>([&] { BatchLoader(sources, {2.0, 1.0}, 6, 5, {}, 0, {0, 4}); }),
            "a batch of 6 rows does not split into 4 equal parts");
}
