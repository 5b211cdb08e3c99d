#include <gtest/gtest.h>

#include "data/shard_blocks.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using namespace anvil::data;
using anvil::test_support::TempDir;
using anvil::test_support::error_of;

namespace {

std::shared_ptr<const TokenShard> make_shard(const TempDir& dir, const std::string& name,
                                             const std::vector<std::vector<int32_t>>& documents) {
  ShardWriter writer(dir.path(name), 1000, 1, 2);
  for (const auto& d : documents) writer.add_document(d, d.size());
  writer.finish();
  return std::make_shared<const TokenShard>(dir.path(name));
}

std::vector<int64_t> row(const torch::Tensor& t, int64_t r) {
  const auto c = t[r].contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

}  // namespace

TEST(ShardBlocks, ConcatTilesEachShardWithShiftedTargets) {
  TempDir dir;
  // 10 tokens: two blocks of 4 (+1 target); 6 tokens: one block. None spans the two shards.
  const auto a = make_shard(dir, "a.bin", {{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}});
  const auto b = make_shard(dir, "b.bin", {{20, 21, 22, 23, 24, 25}});
  const ShardBlocks blocks({a, b}, 4, Packing::kConcat);
  ASSERT_EQ(blocks.size(), 3);
  const auto batch = blocks.gather({2, 0, 1});
  EXPECT_EQ(row(batch.inputs, 0), (std::vector<int64_t>{20, 21, 22, 23}));
  EXPECT_EQ(row(batch.targets, 0), (std::vector<int64_t>{21, 22, 23, 24}));
  EXPECT_EQ(row(batch.inputs, 1), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(row(batch.targets, 2), (std::vector<int64_t>{5, 6, 7, 8}));  // predicts across documents
  EXPECT_FALSE(batch.segments.defined());
  EXPECT_EQ(blocks.tokens(), 16);
  EXPECT_EQ(blocks.unused_tokens(), 2);  // the last token of each shard
  EXPECT_EQ(row(blocks.stream().unsqueeze(0), 0).back(), 25);
}

TEST(ShardBlocks, StrideGivesOverlappingWindows) {
  TempDir dir;
  const ShardBlocks blocks({make_shard(dir, "a.bin", {{0, 1, 2, 3, 4, 5, 6, 7}})}, 4, Packing::kConcat, 1);
  ASSERT_EQ(blocks.size(), 4);  // starts 0..3, each needs 5 tokens
  EXPECT_EQ(row(blocks.gather({3}).inputs, 0), (std::vector<int64_t>{3, 4, 5, 6}));
}

TEST(ShardBlocks, DocumentMaskedMarksSegmentsAndDropsTargetsAcrossBoundaries) {
  TempDir dir;
  // Documents of 3, 2 and 4 tokens (each would end with EOS in a prepared shard).
  const ShardBlocks blocks({make_shard(dir, "a.bin", {{1, 2, 3}, {4, 5}, {6, 7, 8, 9}})}, 8,
                           Packing::kDocumentMasked);
  const auto batch = blocks.gather({0});
  EXPECT_EQ(row(batch.inputs, 0), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(row(batch.segments, 0), (std::vector<int64_t>{0, 0, 0, 1, 1, 2, 2, 2}));
  // 3 -> 4 and 5 -> 6 start a new document: no loss there.
  EXPECT_EQ(row(batch.targets, 0), (std::vector<int64_t>{2, 3, kIgnoreIndex, 5, kIgnoreIndex, 7, 8, 9}));
}

TEST(ShardBlocks, TooFewTokensForOneBlockIsAnError) {
  TempDir dir;
  const auto shard = make_shard(dir, "a.bin", {{1, 2, 3}});
  EXPECT_EQ(error_of<std::invalid_argument>([&] { ShardBlocks({shard}, 3, Packing::kConcat); }),
            "1 shard(s) holding 3 tokens: too few for one block of 3 (a shard needs block size + 1 tokens)");
  EXPECT_EQ(error_of<std::invalid_argument>([] { packing_from_name("packed"); }),
            "unknown packing 'packed': expected concat or document_masked");
}
