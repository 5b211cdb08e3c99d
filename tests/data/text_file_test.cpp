#include <gtest/gtest.h>

#include "data/text_file.h"
#include "tests/support/temp_dir.h"

using anvil::data::read_text_file;

TEST(TextFile, ReadsUtf8) {
  anvil::test_support::TempDir dir;
  const std::string text = "première ligne\nzweite Zeile – ✓\n";
  EXPECT_EQ(read_text_file(dir.write("a.txt", text)), text);
}

TEST(TextFile, MissingFileNamesThePath) {
  try {
    read_text_file("/nonexistent/corpus.txt");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/corpus.txt"), std::string::npos) << e.what();
  }
}

TEST(TextFile, EmptyFileIsAnError) {
  anvil::test_support::TempDir dir;
  EXPECT_THROW(read_text_file(dir.write("empty.txt", "")), std::runtime_error);
}

TEST(TextFile, InvalidUtf8NamesLineAndByte) {
  anvil::test_support::TempDir dir;
  const auto path = dir.write("bad.txt", "ok\nstill ok\nbad \xC3\x28 here\n");
  try {
    read_text_file(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("byte 16"), std::string::npos) << msg;
  }
}

TEST(TextFile, RejectsOverlongAndTruncatedSequences) {
  EXPECT_EQ(anvil::data::find_invalid_utf8("\xC0\xAF"), 0u);      // overlong '/'
  EXPECT_EQ(anvil::data::find_invalid_utf8("ab\xE2\x9C"), 2u);    // cut short
  EXPECT_EQ(anvil::data::find_invalid_utf8("\xED\xA0\x80"), 0u);  // surrogate
  EXPECT_EQ(anvil::data::find_invalid_utf8("héllo ✓ 𝄞"), std::string::npos);
}
