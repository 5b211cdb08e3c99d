#include "tokenizers/added_vocabulary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tokenizers/normalizers.h"

namespace anvil::tokenizers {
namespace {

struct Cut {
  std::string text;
  int32_t id;
  uint32_t start;
  bool operator==(const Cut& o) const { return text == o.text && id == o.id && start == o.start; }
};
std::ostream& operator<<(std::ostream& os, const Cut& c) { return os << "{" << c.text << "," << c.id << "," << c.start << "}"; }

AddedToken token(const std::string& content, int32_t id) {
  AddedToken t;
  t.content = content;
  t.id = id;
  t.special = true;
  t.normalized = false;
  return t;
}

std::vector<Cut> cuts(const AddedVocabulary& added, const std::string& text, bool normalized_stage = false) {
  Piece piece;
  piece.text = text;
  std::vector<Segment> segments;
  added.split(piece, normalized_stage, segments);
  std::vector<Cut> out;
  for (const auto& s : segments) out.push_back({s.piece.text, s.id, s.piece.origin_of(0)});
  return out;
}

TEST(AddedTokens, LeftmostLongestMatch) {
  AddedVocabulary added;
  added.add(token("<|im", 1));
  added.add(token("<|im_end|>", 2));
  added.prepare(nullptr);
  EXPECT_EQ(cuts(added, "a<|im_end|>b<|imx"),
            (std::vector<Cut>{{"a", -1, 0}, {"<|im_end|>", 2, 1}, {"b", -1, 11}, {"<|im", 1, 12}, {"x", -1, 16}}));
}

TEST(AddedTokens, SplitSpecialTokensLeavesSpecialOnesAsText) {
  AddedVocabulary added;
  added.add(token("<unk>", 0));
  AddedToken plain = token("<sep>", 3);
  plain.special = false;
  added.add(plain);
  added.prepare(nullptr, /*split_special=*/true);
  EXPECT_EQ(cuts(added, "a<unk>b<sep>"), (std::vector<Cut>{{"a<unk>b", -1, 0}, {"<sep>", 3, 7}}));
}

TEST(AddedTokens, LstripAndRstripTakeTheSpaces) {
  AddedVocabulary added;
  AddedToken mask = token("<mask>", 5);
  mask.lstrip = true;
  mask.rstrip = true;
  added.add(mask);
  added.prepare(nullptr);
  EXPECT_EQ(cuts(added, "a  <mask> \tb"), (std::vector<Cut>{{"a", -1, 0}, {"  <mask> \t", 5, 1}, {"b", -1, 11}}));
}

TEST(AddedTokens, SingleWordOnlyBetweenNonWordCharacters) {
  AddedVocabulary added;
  AddedToken word = token("ok", 7);
  word.single_word = true;
  added.add(word);
  added.prepare(nullptr);
  EXPECT_EQ(cuts(added, "ok okay"), (std::vector<Cut>{{"ok", 7, 0}, {" okay", -1, 2}}));
  EXPECT_EQ(cuts(added, "b\u00e9ok"), (std::vector<Cut>{{"b\u00e9ok", -1, 0}}));
}

TEST(AddedTokens, NormalizedTokensMatchInNormalizedText) {
  AddedVocabulary added;
  AddedToken raw = token("[RAW]", 1);
  AddedToken normalized = token("[Norm]", 2);
  normalized.normalized = true;
  normalized.special = false;
  added.add(raw);
  added.add(normalized);
  const auto lowercase = normalizer_from_json({{"type", "Lowercase"}}, "test");
  added.prepare(lowercase.get());
  EXPECT_EQ(cuts(added, "x[RAW][norm]"), (std::vector<Cut>{{"x", -1, 0}, {"[RAW]", 1, 1}, {"[norm]", -1, 6}}));
  EXPECT_EQ(cuts(added, "x[norm]", true), (std::vector<Cut>{{"x", -1, 0}, {"[norm]", 2, 1}}));
}

TEST(AddedTokens, ReplacingByIdOrContent) {
  AddedVocabulary added;
  added.add(token("<a>", 1));
  added.add(token("<b>", 1));
  EXPECT_EQ(added.find("<a>"), nullptr);
  ASSERT_NE(added.find(1), nullptr);
  EXPECT_EQ(added.find(1)->content, "<b>");
}

}  // namespace
}  // namespace anvil::tokenizers
