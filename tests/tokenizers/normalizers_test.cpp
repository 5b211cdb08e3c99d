#include "tokenizers/normalizers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace anvil::tokenizers {
namespace {

using nlohmann::json;

Piece normalized(const json& config, const std::string& text) {
  Piece piece;
  piece.text = text;
  normalizer_from_json(config, "test.json")->normalize(piece);
  return piece;
}

std::string text_of(const json& config, const std::string& text) { return normalized(config, text).text; }

TEST(Normalizers, UnicodeForms) {
  EXPECT_EQ(text_of({{"type", "NFC"}}, "e\xCC\x81"), "\xC3\xA9");
  EXPECT_EQ(text_of({{"type", "NFD"}}, "\xC3\xA9"), "e\xCC\x81");
  EXPECT_EQ(text_of({{"type", "NFKC"}}, "\xEF\xAC\x81"), "fi");  // U+FB01 ligature
  EXPECT_EQ(text_of({{"type", "NFKD"}}, "\xE2\x91\xA0"), "1");    // circled one
}

TEST(Normalizers, NormalizedBytesPointAtTheirInput) {
  const Piece piece = normalized({{"type", "NFC"}}, "ab e\xCC\x81!");
  EXPECT_EQ(piece.text, "ab \xC3\xA9!");
  EXPECT_EQ(piece.origin_of(3), 3u);  // é from e + combining acute at 3
  EXPECT_EQ(piece.origin_of(5), 6u);  // '!' after the three input bytes of e + U+0301
}

TEST(Normalizers, Lowercase) {
  EXPECT_EQ(text_of({{"type", "Lowercase"}}, "\xC3\x80" "Bc"), "\xC3\xA0" "bc");
  EXPECT_EQ(text_of({{"type", "Lowercase"}}, "\xC4\xB0"), "i\xCC\x87");  // U+0130 lowercases to i + U+0307
}

TEST(Normalizers, PrependSkipsEmptyText) {
  const json prepend = {{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}};
  EXPECT_EQ(text_of(prepend, "hi"), "\xE2\x96\x81hi");
  EXPECT_EQ(text_of(prepend, ""), "");
  EXPECT_EQ(normalized(prepend, "hi").origin_of(3), 0u);
}

TEST(Normalizers, ReplaceStringAndRegex) {
  EXPECT_EQ(text_of({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "_"}}, "a b  c"), "a_b__c");
  EXPECT_EQ(text_of({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}}, "a b  c"), "a b c");
  EXPECT_EQ(text_of({{"type", "Replace"}, {"pattern", {{"String", "."}}}, {"content", "!"}}, "a.b"), "a!b");
}

TEST(Normalizers, StripEitherSide) {
  EXPECT_EQ(text_of({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}, " \t a b \n"), "a b");
  EXPECT_EQ(text_of({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}}, "  a  "), "  a");
}

TEST(Normalizers, SequenceInOrder) {
  const json sequence = {{"type", "Sequence"},
                         {"normalizers", {{{"type", "Lowercase"}}, {{"type", "Prepend"}, {"prepend", "X"}}}}};
  EXPECT_EQ(text_of(sequence, "AB"), "Xab");
}

TEST(Normalizers, UnsupportedTypeNamesTypeAndFile) {
  try {
    normalizer_from_json({{"type", "Precompiled"}}, "dir/tokenizer.json");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "dir/tokenizer.json: unsupported normalizer type 'Precompiled'");
  }
}

}  // namespace
}  // namespace anvil::tokenizers
