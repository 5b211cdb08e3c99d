#include "data/document_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

using anvil::data::Delimiter;
using anvil::data::DocumentFormat;
using anvil::data::DocumentSource;
using anvil::data::expand_glob;
using anvil::data::read_documents;
using anvil::test_support::TempDir;
using testing::ElementsAre;
using testing::HasSubstr;

namespace {

std::vector<std::string> read_all(const DocumentSource& source) {
  std::vector<std::string> documents;
  read_documents(source, [&](std::string_view document) { documents.emplace_back(document); });
  return documents;
}

// A txt source cut where `delimiter` says, as data.sources spells it: file,
// blank_line, line, or any other text as the separator.
DocumentSource txt(const std::string& path, const std::string& delimiter) {
  DocumentSource source;
  source.path = path;
  source.delimiter = delimiter == "file"         ? Delimiter::kFile
                     : delimiter == "blank_line" ? Delimiter::kBlankLine
                     : delimiter == "line"       ? Delimiter::kLine
                                                 : Delimiter::kSeparator;
  if (source.delimiter == Delimiter::kSeparator) source.separator = delimiter;
  return source;
}

DocumentSource jsonl(const std::string& path, const std::string& field = "text") {
  DocumentSource source;
  source.path = path;
  source.format = DocumentFormat::kJsonl;
  source.text_field = field;
  return source;
}

// The message of the std::runtime_error that reading `source` throws.
std::string read_error(const DocumentSource& source) {
  try {
    read_all(source);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error reading " << source.path;
  return "";
}

}  // namespace

TEST(DocumentReader, WholeFileIsOneDocumentWithItsNewlines) {
  TempDir dir;
  const std::string text = "first line\n\n  indented\nlast\n";
  EXPECT_THAT(read_all(txt(dir.write("a.txt", text), "file")), ElementsAre(text));
}

TEST(DocumentReader, WhitespaceOnlyFileIsStillADocument) {
  TempDir dir;
  EXPECT_THAT(read_all(txt(dir.write("a.txt", " \n"), "file")), ElementsAre(" \n"));
}

TEST(DocumentReader, BlankLinesSeparateDocuments) {
  TempDir dir;
  // WikiText style: separator lines hold a single space; runs of them and a missing final newline are fine.
  const auto path = dir.write("wiki.txt", " \n = Title = \n \n a  b\n c\n \n\t\n  \nlast\nline");
  EXPECT_THAT(read_all(txt(path, "blank_line")), ElementsAre(" = Title = ", " a  b\n c", "last\nline"));
}

TEST(DocumentReader, EachNonBlankLineIsADocument) {
  TempDir dir;
  const auto path = dir.write("lines.txt", "one\n\n  two  \n \t \nthree");
  EXPECT_THAT(read_all(txt(path, "line")), ElementsAre("one", "  two  ", "three"));
}

TEST(DocumentReader, LiteralSeparatorSplitsAndSkipsEmptyPieces) {
  TempDir dir;
  const auto path = dir.write("eot.txt", "<|endoftext|>first\ndoc<|endoftext|><|endoftext|>second<|endoftext|>\n");
  EXPECT_THAT(read_all(txt(path, "<|endoftext|>")), ElementsAre("first\ndoc", "second"));
}

TEST(DocumentReader, GlobReadsFilesInSortedOrder) {
  TempDir dir;
  dir.write("b.txt", "bee");
  dir.write("a.txt", "ay");
  dir.write("c.txt", "sea");
  dir.write("skip.md", "not matched");
  dir.write("sub.txt/inner.txt", "a directory named like a match is left out");
  EXPECT_THAT(expand_glob(dir.path("*.txt")), ElementsAre(dir.path("a.txt"), dir.path("b.txt"), dir.path("c.txt")));
  EXPECT_THAT(read_all(txt(dir.path("*.txt"), "file")), ElementsAre("ay", "bee", "sea"));
}

TEST(DocumentReader, GlobWithoutWildcardReturnsTheFile) {
  TempDir dir;
  const auto path = dir.write("only.txt", "x");
  EXPECT_THAT(expand_glob(path), ElementsAre(path));
}

TEST(DocumentReader, GlobMatchingNothingNamesThePattern) {
  TempDir dir;
  try {
    expand_glob(dir.path("*.nothing"));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no file matches '" + dir.path("*.nothing") + "'"));
  }
}

TEST(DocumentReader, JsonlReadsTheNamedField) {
  TempDir dir;
  const auto path = dir.write("d.jsonl",
                              "{\"id\": 1, \"body\": \"line one\\nline two\"}\n"
                              "\n"
                              "{\"body\": \"\"}\n"
                              "{\"body\": \"caf\\u00e9 \\\"quoted\\\"\", \"extra\": [1, 2]}\n");
  EXPECT_THAT(read_all(jsonl(path, "body")), ElementsAre("line one\nline two", "café \"quoted\""));
}

TEST(DocumentReader, JsonlInvalidJsonNamesFileAndLine) {
  TempDir dir;
  const auto path = dir.write("d.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n");
  const auto message = read_error(jsonl(path));
  EXPECT_THAT(message, HasSubstr(path + ":2: not valid JSON: "));
  EXPECT_THAT(message, HasSubstr("parse error"));
}

TEST(DocumentReader, JsonlLineThatIsNotAnObjectIsAnError) {
  TempDir dir;
  const auto path = dir.write("d.jsonl", "[\"text\"]\n");
  EXPECT_THAT(read_error(jsonl(path)), HasSubstr(path + ":1: expected a JSON object, got array"));
}

TEST(DocumentReader, JsonlMissingFieldListsTheFields) {
  // The fields in the order the record writes them.
  TempDir dir;
  const auto path = dir.write("d.jsonl", "{\"text\": \"ok\"}\n\n{\"b\": 1, \"a\": \"x\", \"c\": null}\n");
  EXPECT_THAT(read_error(jsonl(path)), HasSubstr(path + ":3: no field 'text' (fields: b, a, c)"));
}

TEST(DocumentReader, JsonlNonStringFieldIsAnError) {
  TempDir dir;
  const auto path = dir.write("d.jsonl", "{\"text\": 42}\n");
  EXPECT_THAT(read_error(jsonl(path)), HasSubstr(path + ":1: field 'text' is not a string"));
}

TEST(DocumentReader, InvalidUtf8NamesFileLineAndByte) {
  TempDir dir;
  // Byte 16 is the 0xC3 that is not followed by a continuation byte, on line 3.
  const std::string text = "ok\nstill ok\nbad \xC3\x28 here\n";
  for (const std::string delimiter : {"file", "blank_line", "line", "<|endoftext|>"}) {
    const auto path = dir.write("bad.txt", text);
    EXPECT_THAT(read_error(txt(path, delimiter)), HasSubstr(path + ":3: invalid UTF-8 at byte 16")) << delimiter;
  }
  const auto path = dir.write("bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"\xFF\"}\n");
  EXPECT_THAT(read_error(jsonl(path)), HasSubstr(path + ":2: invalid UTF-8 at byte 25"));
}

TEST(DocumentReader, ReplacePolicyTurnsInvalidSequencesIntoReplacementCharacters) {
  TempDir dir;
  // A lone lead byte, a sequence cut short, a stray continuation byte; the valid ✓ stays as it is.
  const auto path = dir.write("bad.txt", "a\xC3(b \xE2\x9C\n\x80 ✓\n");
  auto source = txt(path, "line");
  source.replace_invalid_utf8 = true;
  EXPECT_THAT(read_all(source), ElementsAre("a\uFFFD(b \uFFFD", "\uFFFD ✓"));

  const auto json_path = dir.write("bad.jsonl", "{\"text\": \"x\xFFy\"}\n");
  auto json_source = jsonl(json_path);
  json_source.replace_invalid_utf8 = true;
  EXPECT_THAT(read_all(json_source), ElementsAre("x\uFFFDy"));
}

TEST(DocumentReader, MissingFileNamesIt) {
  EXPECT_THAT(read_error(txt("/nonexistent/corpus.txt", "file")), HasSubstr("cannot open '/nonexistent/corpus.txt'"));
  EXPECT_THAT(read_error(jsonl("/nonexistent/corpus.jsonl")), HasSubstr("cannot open '/nonexistent/corpus.jsonl'"));
}

TEST(DocumentReader, DirectoryIsNotAFile) {
  TempDir dir;
  EXPECT_THAT(read_error(txt(dir.path(), "line")), HasSubstr("'" + dir.path() + "' is a directory"));
}

TEST(DocumentReader, EmptyFileNamesIt) {
  TempDir dir;
  const auto path = dir.write("empty.txt", "");
  for (const std::string delimiter : {"file", "blank_line", "line", "<|endoftext|>"})
    EXPECT_THAT(read_error(txt(path, delimiter)), HasSubstr("'" + path + "' is empty")) << delimiter;
  EXPECT_THAT(read_error(jsonl(path)), HasSubstr("'" + path + "' is empty"));
}

// The format is an enum now; the one value a source can still get wrong is an empty separator.
TEST(DocumentReader, EmptySeparatorIsNamed) {
  TempDir dir;
  const auto path = dir.write("a.txt", "x");
  EXPECT_THAT(read_error(txt(path, "")), HasSubstr("empty delimiter for '" + path + "'"));
}
