#include "tokenizers/pre_tokenizers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace anvil::tokenizers {
namespace {

using nlohmann::json;
using Texts = std::vector<std::string>;

std::vector<Piece> pieces_of(const json& config, const std::string& text, uint32_t base = 0) {
  std::vector<Piece> pieces(1);
  pieces[0].text = text;
  pieces[0].base = base;
  pre_tokenizer_from_json(config, "test.json")->pre_tokenize(pieces);
  return pieces;
}

Texts texts_of(const json& config, const std::string& text, uint32_t base = 0) {
  Texts out;
  for (const Piece& piece : pieces_of(config, text, base)) out.push_back(piece.text);
  return out;
}

json split(const std::string& behavior, bool invert = false) {
  return {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
}

TEST(PreTokenizers, ByteLevelSplitsWithGpt2Pattern) {
  const json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  EXPECT_EQ(texts_of(byte_level, "Hello world! it's  ok"), (Texts{"Hello", " world", "!", " it", "'s", " ", " ok"}));
  const auto pieces = pieces_of(byte_level, "a b");
  EXPECT_TRUE(pieces[1].byte_level);
  EXPECT_EQ(pieces[1].origin_of(0), 1u);
}

TEST(PreTokenizers, ByteLevelPrefixSpace) {
  const json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}};
  EXPECT_EQ(texts_of(byte_level, "hi there"), (Texts{" hi there"}));
  EXPECT_EQ(texts_of(byte_level, " hi"), (Texts{" hi"}));
}

TEST(PreTokenizers, SplitBehaviors) {
  const std::string text = "the-final--countdown";
  EXPECT_EQ(texts_of(split("Removed"), text), (Texts{"the", "final", "countdown"}));
  EXPECT_EQ(texts_of(split("Isolated"), text), (Texts{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(texts_of(split("MergedWithPrevious"), text), (Texts{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(texts_of(split("MergedWithNext"), text), (Texts{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(texts_of(split("Contiguous"), text), (Texts{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(texts_of(split("Removed", true), text), (Texts{"-", "-", "-"}));
}

TEST(PreTokenizers, SplitRegex) {
  const json config = {{"type", "Split"}, {"pattern", {{"Regex", "\\s+"}}}, {"behavior", "Removed"}, {"invert", false}};
  EXPECT_EQ(texts_of(config, "a \u00a0b\u3000c"), (Texts{"a", "b", "c"}));
}

TEST(PreTokenizers, Digits) {
  EXPECT_EQ(texts_of({{"type", "Digits"}, {"individual_digits", true}}, "a12\u00bd"), (Texts{"a", "1", "2", "\u00bd"}));
  EXPECT_EQ(texts_of({{"type", "Digits"}, {"individual_digits", false}}, "a12b"), (Texts{"a", "12", "b"}));
}

TEST(PreTokenizers, MetaspacePrependSchemes) {
  auto metaspace = [](const std::string& scheme, bool split) {
    return json{{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme}, {"split", split}};
  };
  EXPECT_EQ(texts_of(metaspace("always", false), "hi you"), (Texts{"\u2581hi\u2581you"}));
  EXPECT_EQ(texts_of(metaspace("never", false), "hi you"), (Texts{"hi\u2581you"}));
  EXPECT_EQ(texts_of(metaspace("first", false), "hi", 0), (Texts{"\u2581hi"}));
  EXPECT_EQ(texts_of(metaspace("first", false), "hi", 4), (Texts{"hi"}));  // not the text's start
  EXPECT_EQ(texts_of(metaspace("always", true), "hi you"), (Texts{"\u2581hi", "\u2581you"}));
}

TEST(PreTokenizers, WhitespaceAndWhitespaceSplit) {
  EXPECT_EQ(texts_of({{"type", "Whitespace"}}, "Hey friend!  How?!"), (Texts{"Hey", "friend", "!", "How", "?!"}));
  EXPECT_EQ(texts_of({{"type", "WhitespaceSplit"}}, "Hey friend!  How"), (Texts{"Hey", "friend!", "How"}));
}

TEST(PreTokenizers, Punctuation) {
  EXPECT_EQ(texts_of({{"type", "Punctuation"}}, "hi, you\u3002"), (Texts{"hi", ",", " you", "\u3002"}));
}

TEST(PreTokenizers, SequenceAndUnsupported) {
  const json sequence = {{"type", "Sequence"},
                         {"pretokenizers", {{{"type", "WhitespaceSplit"}}, {{"type", "Digits"}, {"individual_digits", true}}}}};
  EXPECT_EQ(texts_of(sequence, "a1 22"), (Texts{"a", "1", "2", "2"}));
  try {
    pre_tokenizer_from_json({{"type", "UnicodeScripts"}}, "x/tokenizer.json");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "x/tokenizer.json: unsupported pre_tokenizer type 'UnicodeScripts'");
  }
}

}  // namespace
}  // namespace anvil::tokenizers
