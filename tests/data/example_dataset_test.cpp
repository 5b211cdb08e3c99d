#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/example_dataset.h"
#include "tests/data/chars_with_eos.h"
#include "tests/support/error_of.h"

using namespace anvil::data;
using anvil::test_support::CharsWithEos;
using anvil::test_support::error_of;

namespace {

std::vector<int64_t> row(const torch::Tensor& t, int64_t r) {
  const auto c = t[r].contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

}  // namespace

TEST(Examples, OnlyResponseAndEosCarryLoss) {
  const CharsWithEos tok;
  const auto e = encode_parts({{"q: ab", false}, {"cd", true}}, tok);
  // tokens: q : space a b c d EOS -> inputs are all but the last, targets all but the first.
  ASSERT_EQ(e.inputs.size(), 7u);
  const auto c = tok.encode("c")[0], d = tok.encode("d")[0];
  const std::vector<int64_t> expected = {kIgnoreIndex, kIgnoreIndex, kIgnoreIndex, kIgnoreIndex, c, d, tok.eos_id()};
  EXPECT_EQ(e.targets, expected);
  EXPECT_EQ(trained_tokens(e), 3);
  // An empty response still trains the EOS; a prompt alone trains nothing.
  EXPECT_EQ(trained_tokens(encode_parts({{"ab", false}}, tok)), 0);
}

TEST(Examples, ClassificationLabelSitsOnTheLastTokenAndSurvivesTruncation) {
  const CharsWithEos tok;
  auto e = encode_labeled("abcdef", 1, tok);
  EXPECT_EQ(e.targets.back(), 1);
  EXPECT_EQ(trained_tokens(e), 1);
  truncate_example(e, 3, /*classification=*/true);
  EXPECT_EQ(e.inputs.size(), 3u);
  EXPECT_EQ(e.targets, (std::vector<int64_t>{kIgnoreIndex, kIgnoreIndex, 1}));
}

TEST(ExampleDataset, PadsToTheLongestRowWithoutLoss) {
  const CharsWithEos tok;
  ExampleDataset data({encode_labeled("ab", 0, tok), encode_labeled("abcde", 1, tok)}, 16, /*pack=*/false, 0);
  ASSERT_EQ(data.size(), 2);
  const auto batch = data.gather({0, 1});
  EXPECT_EQ(batch.inputs.sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(row(batch.targets, 0), (std::vector<int64_t>{kIgnoreIndex, 0, kIgnoreIndex, kIgnoreIndex, kIgnoreIndex}));
  EXPECT_FALSE(batch.segments.defined());
}

TEST(ExampleDataset, PacksExamplesInOrderWithSegments) {
  const CharsWithEos tok;
  const auto a = encode_labeled("abc", 0, tok), b = encode_labeled("ab", 1, tok), c = encode_labeled("abcd", 1, tok);
  ExampleDataset data({a, b, c}, 6, /*pack=*/true, 0);
  ASSERT_EQ(data.size(), 2);  // [a b] fills 5 of 6; c starts a new row
  const auto batch = data.gather({0});
  EXPECT_EQ(row(batch.segments, 0), (std::vector<int64_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(row(batch.targets, 0), (std::vector<int64_t>{kIgnoreIndex, kIgnoreIndex, 0, kIgnoreIndex, 1}));
  const auto too_long = encode_labeled("abcdefg", 0, tok);
  EXPECT_THAT(error_of<std::invalid_argument>([&] { ExampleDataset({too_long}, 6, false, 0); }),
              testing::HasSubstr("example 0 has 7 tokens: not within 1..block_size (6)"));
}
