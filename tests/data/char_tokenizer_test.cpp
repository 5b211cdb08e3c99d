#include <gtest/gtest.h>

#include "data/char_tokenizer.h"
#include "tests/support/temp_dir.h"

using anvil::data::CharTokenizer;

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
  EXPECT_THROW(CharTokenizer::load(dir.write("x.json", "{\"vocab\": 3}")), std::runtime_error);
  EXPECT_THROW(CharTokenizer::load(dir.write("y.json", "not json")), std::runtime_error);
}
