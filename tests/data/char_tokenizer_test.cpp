#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/char_tokenizer.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using anvil::data::CharTokenizer;
using anvil::test_support::error_of;

TEST(CharTokenizer, RoundTripsUnicodeText) {
  const std::string text = "To be, or not to be: ✓ café\n";
  const auto tok = CharTokenizer::from_text(text);
  const auto ids = tok.encode(text);
  EXPECT_EQ(ids.size(), 28u);  // code points, not bytes
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(CharTokenizer, VocabularyIsSortedDistinctCharacters) {
  const auto tok = CharTokenizer::from_text("cabbage");
  EXPECT_EQ(tok.vocab_size(), 5);
  EXPECT_EQ(tok.encode("abceg"), (std::vector<int32_t>{0, 1, 2, 3, 4}));
}

TEST(CharTokenizer, UnknownCharacterIsAnErrorNamingIt) {
  const auto tok = CharTokenizer::from_text("abc");
  try {
    tok.encode("abz");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'z'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("byte 2"), std::string::npos) << msg;
  }
}

TEST(CharTokenizer, SaveAndLoadKeepIds) {
  anvil::test_support::TempDir dir;
  const std::string text = "\"quoted\"\n\ttab and ünïcode";
  const auto tok = CharTokenizer::from_text(text);
  tok.save(dir.path("vocab.json"));
  const auto loaded = CharTokenizer::load(dir.path("vocab.json"));
  EXPECT_EQ(loaded.vocab_size(), tok.vocab_size());
  EXPECT_EQ(loaded.encode(text), tok.encode(text));
}

TEST(CharTokenizer, LoadingAForeignFileIsAnError) {
  anvil::test_support::TempDir dir;
  auto error_for = [](const std::string& path) {
    return error_of<std::runtime_error>([&] { CharTokenizer::load(path); });
  };
  const auto x = dir.write("x.json", "{\"vocab\": 3}"), y = dir.write("y.json", "not json");
  EXPECT_EQ(error_for(x), "'" + x + "' is not a character vocabulary: expected {\"type\": \"char\", \"vocab\": [...]}");
  EXPECT_THAT(error_for(y),
              testing::HasSubstr("'" + y + "' is not a character vocabulary: [json.exception.parse_error"));
}
