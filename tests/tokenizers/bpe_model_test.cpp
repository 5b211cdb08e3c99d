#include "tokenizers/bpe_model.h"

#include <gtest/gtest.h>

namespace anvil::tokenizers {
namespace {

Piece word(const std::string& text, bool byte_level = false) {
  Piece piece;
  piece.text = text;
  piece.byte_level = byte_level;
  return piece;
}

std::vector<int32_t> ids_of(const BpeModel& model, const std::string& text) {
  std::vector<WordToken> tokens;
  model.tokenize(word(text), tokens);
  std::vector<int32_t> ids;
  for (const auto& token : tokens) ids.push_back(token.id);
  return ids;
}

const BpeModel::Vocab kVocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"aa", 6}};

TEST(BpeModel, LowerRankMergesFirst) {
  const auto bc_first = BpeModel::from_merges(kVocab, {{"b", "c"}, {"a", "b"}}, {}, "test");
  EXPECT_EQ(ids_of(bc_first, "abc"), (std::vector<int32_t>{0, 4}));
  const auto ab_first = BpeModel::from_merges(kVocab, {{"a", "b"}, {"b", "c"}, {"ab", "c"}}, {}, "test");
  EXPECT_EQ(ids_of(ab_first, "abc"), (std::vector<int32_t>{5}));
}

TEST(BpeModel, LeftmostOfEqualRanksFirst) {
  const auto model = BpeModel::from_merges(kVocab, {{"a", "a"}}, {}, "test");
  EXPECT_EQ(ids_of(model, "aaa"), (std::vector<int32_t>{6, 0}));
}

TEST(BpeModel, MergeOfUnknownTokenNamesFileAndMerge) {
  try {
    BpeModel::from_merges(kVocab, {{"a", "z"}}, {}, "merges.txt");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("merges.txt: merge 1 'a z'"), std::string::npos) << e.what();
  }
}

TEST(BpeModel, ByteFallbackSpellsUnknownCharactersAsBytes) {
  BpeModel::Vocab vocab = {{"<unk>", 0}, {"a", 1}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab[name] = 2 + b;
  }
  BpeOptions options;
  options.unk_token = "<unk>";
  options.byte_fallback = true;
  const auto model = BpeModel::from_merges(vocab, {}, options, "test");
  EXPECT_EQ(ids_of(model, "a\xC3\xA9"), (std::vector<int32_t>{1, 2 + 0xC3, 2 + 0xA9}));
}

TEST(BpeModel, UnknownCharactersFuseWhenAsked) {
  const BpeModel::Vocab vocab = {{"<unk>", 0}, {"a", 1}};
  BpeOptions options;
  options.unk_token = "<unk>";
  EXPECT_EQ(ids_of(BpeModel::from_merges(vocab, {}, options, "t"), "xya"), (std::vector<int32_t>{0, 0, 1}));
  options.fuse_unk = true;
  EXPECT_EQ(ids_of(BpeModel::from_merges(vocab, {}, options, "t"), "xya"), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(ids_of(BpeModel::from_merges(vocab, {}, {}, "t"), "xya"), (std::vector<int32_t>{1}));  // no unk: dropped
}

TEST(BpeModel, IgnoreMergesTakesWholeWords) {
  BpeOptions options;
  options.ignore_merges = true;
  const auto model = BpeModel::from_merges(kVocab, {{"b", "c"}}, options, "test");
  EXPECT_EQ(ids_of(model, "abc"), (std::vector<int32_t>{5}));
  EXPECT_EQ(ids_of(model, "abca"), (std::vector<int32_t>{0, 4, 0}));
}

TEST(BpeModel, RanksMergeTheLowestRankedConcatenation) {
  // tiktoken: ab (rank 3) forms before bc (4), then ab+c makes abc.
  const auto model = BpeModel::from_ranks(kVocab, {});
  EXPECT_EQ(ids_of(model, "abc"), (std::vector<int32_t>{5}));
  EXPECT_EQ(ids_of(model, "bca"), (std::vector<int32_t>{4, 0}));
}

TEST(BpeModel, ByteLevelWordsReadBytesThroughTheTable) {
  // U+0120 'Ġ' stands for the space byte.
  const BpeModel::Vocab vocab = {{"\xC4\xA0", 0}, {"a", 1}, {"\xC4\xA0" "a", 2}};
  const auto model = BpeModel::from_merges(vocab, {{"\xC4\xA0", "a"}}, {}, "test");
  std::vector<WordToken> tokens;
  model.tokenize(word(" a a", true), tokens);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].id, 2);
  EXPECT_EQ(tokens[1].id, 2);
  EXPECT_EQ(tokens[1].start, 2u);
}

}  // namespace
}  // namespace anvil::tokenizers
