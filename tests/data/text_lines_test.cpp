#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/text_lines.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using anvil::data::find_invalid_utf8;
using anvil::data::for_each_line;
using anvil::data::read_whole_file;
using anvil::test_support::error_of;
using anvil::test_support::TempDir;
using ::testing::HasSubstr;

TEST(TextLines, ReadsUtf8) {
  TempDir dir;
  const std::string text = "première ligne\nzweite Zeile – ✓\n";
  EXPECT_EQ(read_whole_file(dir.write("a.txt", text), false), text);
}

TEST(TextLines, MissingEmptyAndDirectoryAreErrorsNamingThePath) {
  TempDir dir;
  EXPECT_THAT(error_of([] { read_whole_file("/nonexistent/corpus.txt", false); }),
              HasSubstr("cannot open '/nonexistent/corpus.txt'"));
  const auto empty = dir.write("empty.txt", "");
  EXPECT_THAT(error_of([&] { read_whole_file(empty, false); }), HasSubstr("'" + empty + "' is empty"));
  EXPECT_THAT(error_of([&] { read_whole_file(dir.path(), false); }), HasSubstr("is a directory, not a file"));
}

TEST(TextLines, InvalidUtf8NamesLineAndByteOrIsReplaced) {
  TempDir dir;
  const auto path = dir.write("bad.txt", "ok\nstill ok\nbad \xC3\x28 here\n");
  EXPECT_THAT(error_of([&] { read_whole_file(path, false); }), HasSubstr(path + ":3: invalid UTF-8 at byte 16"));
  EXPECT_EQ(read_whole_file(path, true), "ok\nstill ok\nbad \xEF\xBF\xBD( here\n");
}

TEST(TextLines, ByteOrderMarkIsNotText) {
  TempDir dir;
  const auto path = dir.write("bom.txt", "\xEF\xBB\xBFlabel\tsentence\nx\ty\n");
  EXPECT_EQ(read_whole_file(path, false), "label\tsentence\nx\ty\n");
  std::vector<std::string> lines;
  for_each_line(path, false, [&](const std::string& line, int64_t) { lines.push_back(line); });
  EXPECT_EQ(lines, (std::vector<std::string>{"label\tsentence", "x\ty"}));
}

TEST(TextLines, RejectsOverlongAndTruncatedSequences) {
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);      // overlong '/'
  EXPECT_EQ(find_invalid_utf8("ab\xE2\x9C"), 2u);    // cut short
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);  // surrogate
  EXPECT_EQ(find_invalid_utf8("héllo ✓ 𝄞"), std::string::npos);
}
