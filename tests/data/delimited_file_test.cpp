#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/delimited_file.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using namespace anvil::data;
using anvil::test_support::error_of;
using anvil::test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DelimitedFile, CsvQuotingFollowsRfc4180) {
  TempDir dir;
  const auto path = dir.write("t.csv",
                              "text,label\r\n"
                              "plain,1\r\n"
                              "\"with, comma\",0\n"
                              "\"say \"\"hi\"\"\",1\n"
                              "\"two\nlines\",0\n"
                              "last,1");
  const Table t = read_table(path);
  EXPECT_THAT(t.header, ElementsAre("text", "label"));
  ASSERT_EQ(t.rows.size(), 5u);
  EXPECT_THAT(t.rows[1], ElementsAre("with, comma", "0"));
  EXPECT_THAT(t.rows[2], ElementsAre("say \"hi\"", "1"));
  EXPECT_THAT(t.rows[3], ElementsAre("two\nlines", "0"));
  EXPECT_THAT(t.rows[4], ElementsAre("last", "1"));
  EXPECT_THAT(t.lines, ElementsAre(2, 3, 4, 5, 7));  // the quoted line break moves the next row down
  EXPECT_EQ(t.column("label", path), 1u);
}

TEST(DelimitedFile, TsvSplitsAtTabsAndKeepsQuotes) {
  TempDir dir;
  const Table t = read_table(dir.write("t.tsv", "label\tsentence\n1\tit 's \"great\"\n"));
  EXPECT_THAT(t.rows.at(0), ElementsAre("1", "it 's \"great\""));
}

TEST(DelimitedFile, BadRowsNameFileAndLine) {
  TempDir dir;
  const auto short_row = dir.write("a.tsv", "label\tsentence\n1\tfine\n0\n");
  EXPECT_THAT(error_of([&] { read_table(short_row); }), HasSubstr("a.tsv:3: 1 fields, the header has 2"));
  const auto open_quote = dir.write("b.csv", "text,label\n\"never closed,1\n");
  EXPECT_THAT(error_of([&] { read_table(open_quote); }), HasSubstr("b.csv:2: unterminated quoted field"));
  const auto t = read_table(dir.write("c.tsv", "label\tsentence\n1\tx\n"));
  EXPECT_THAT(error_of([&] { t.column("text", "c.tsv"); }), HasSubstr("no column 'text' (columns: label, sentence)"));
  EXPECT_THAT(error_of([&] { read_table(dir.write("d.csv", "")); }), HasSubstr("is empty"));
}
