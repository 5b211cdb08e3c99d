#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/token_shard.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using anvil::data::ShardWriter;
using anvil::data::token_bytes_for;
using anvil::data::TokenDtype;
using anvil::data::TokenShard;
using anvil::test_support::error_of;
using anvil::test_support::TempDir;
using ::testing::HasSubstr;

namespace {

std::string write_shard(const TempDir& dir, int64_t vocab, const std::vector<std::vector<int32_t>>& documents) {
  const std::string path = dir.path("s.bin");
  ShardWriter writer(path, vocab, 0xfeed, token_bytes_for(vocab));
  for (const auto& d : documents) writer.add_document(d, d.size() * 3);
  writer.finish();
  return path;
}

}  // namespace

TEST(TokenShard, RoundTripsTokensDocumentsAndHeader) {
  for (const int64_t vocab : {300, 70000}) {  // uint16 and uint32 tokens
    TempDir dir;
    const int32_t big = static_cast<int32_t>(vocab - 1);
    const auto path = write_shard(dir, vocab, {{1, 2, 3}, {big}, {}, {7, 8}});
    const TokenShard shard(path);
    EXPECT_EQ(shard.header().token_bytes, vocab > 65536 ? 4u : 2u);
    EXPECT_EQ(shard.header().tokenizer_fingerprint, 0xfeedu);
    EXPECT_EQ(shard.header().text_bytes, 18u);
    EXPECT_EQ(shard.size(), 6);
    EXPECT_EQ(shard.documents(), 4);
    std::vector<int64_t> tokens(6);
    shard.read(0, 6, tokens.data());
    EXPECT_EQ(tokens, (std::vector<int64_t>{1, 2, 3, big, 7, 8}));
    EXPECT_EQ(shard.document_of(2), 0);
    EXPECT_EQ(shard.document_of(3), 1);
    EXPECT_EQ(shard.document_of(4), 3);  // document 2 is empty
    EXPECT_EQ(shard.document_start(3), 4);
    EXPECT_EQ(shard.document_start(4), 6);
  }
}

TEST(TokenShard, UnfinishedWriterLeavesNoFile) {
  TempDir dir;
  {
    ShardWriter writer(dir.path("s.bin"), 100, 1, 2);
    writer.add_document({1, 2}, 2);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(TokenShard, TruncatedShardIsNamed) {
  TempDir dir;
  const auto path = write_shard(dir, 300, {{1, 2, 3, 4, 5}});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 8);
  const auto msg = error_of([&] { TokenShard{path}; });
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("truncated"));
}

TEST(TokenShard, ForeignFileIsNotAShard) {
  TempDir dir;
  const auto text = dir.write("notes.bin", std::string(200, 'x'));
  EXPECT_THAT(error_of([&] { TokenShard{text}; }), HasSubstr("not a token shard"));
  const auto tiny = dir.write("tiny.bin", "ANVL");
  EXPECT_THAT(error_of([&] { TokenShard{tiny}; }), HasSubstr("not a token shard, or truncated"));
  EXPECT_THAT(error_of([&] { TokenShard{dir.path("missing.bin")}; }), HasSubstr("cannot open"));
}

TEST(TokenShard, NewerFormatVersionIsRefused) {
  TempDir dir;
  const auto path = write_shard(dir, 300, {{1, 2}});
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(8);
  const uint32_t version = 9;
  file.write(reinterpret_cast<const char*>(&version), 4);
  file.close();
  EXPECT_THAT(error_of([&] { TokenShard{path}; }), HasSubstr("format version 9"));
}

TEST(TokenShard, TokenOutsideTheVocabularyIsAnError) {
  TempDir dir;
  ShardWriter writer(dir.path("s.bin"), 100, 1, 2);
  EXPECT_THAT(error_of([&] { writer.add_document({5, 100}, 2); }), HasSubstr("token id 100 is outside the vocabulary"));
}

TEST(TokenShard, DamagedTokenIsNamedWhenRead) {
  TempDir dir;
  const auto path = write_shard(dir, 300, {{1, 2, 3, 4}});
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(64 + 2 * 2);  // the third token, past the 64-byte header
  const uint16_t outside = 301;
  file.write(reinterpret_cast<const char*>(&outside), 2);
  file.close();
  const TokenShard shard(path);
  std::vector<int64_t> tokens(4);
  shard.read(0, 2, tokens.data());  // the tokens before it still read
  const auto msg = error_of([&] { shard.read(1, 3, tokens.data()); });
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("token 301 at position 2 is outside its vocabulary of 300"));
}

TEST(TokenShard, VocabularyTooLargeForUint16IsAnError) {
  EXPECT_EQ(token_bytes_for(65536, TokenDtype::kUint16), 2u);
  EXPECT_EQ(token_bytes_for(300, TokenDtype::kUint32), 4u);
  EXPECT_THAT(error_of([] { token_bytes_for(65537, TokenDtype::kUint16); }), HasSubstr("does not fit uint16"));
}

TEST(TokenShard, DocumentCountThatWrapsTheSizeSumIsRefused) {
  // Found by token_shard_fuzz: a document count whose index size wraps
  // around 2^64 to exactly the file's size passed the size check and the
  // index was read before the map.
  TempDir dir;
  const auto path = write_shard(dir, 300, {{1, 2, 3}});
  const uint64_t size = std::filesystem::file_size(path);
  const uint64_t documents = size / 8 - 1 - (64 + 8) / 8 + (uint64_t{1} << 61);  // (d + 1) * 8 wraps
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(24);
  file.write(reinterpret_cast<const char*>(&documents), 8);
  file.close();
  const auto msg = error_of([&] { TokenShard{path}; });
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("more than its"));
}

namespace {
size_t mappings() {
  std::ifstream maps("/proc/self/maps");
  return static_cast<size_t>(std::count(std::istreambuf_iterator<char>(maps), std::istreambuf_iterator<char>(), '\n'));
}
}  // namespace

TEST(TokenShard, ARefusedFileLeavesNoMapping) {
  // Found by token_shard_fuzz slowing down: a file refused after it was
  // mapped kept its mapping, one more for every failed open.
  TempDir dir;
  const auto path = write_shard(dir, 300, {{1, 2, 3}});
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.write("XXXX", 4);  // wrong magic bytes: refused after the map
  file.close();
  const size_t before = mappings();
  for (int i = 0; i < 200; ++i) EXPECT_THAT(error_of([&] { TokenShard{path}; }), HasSubstr("wrong magic bytes"));
  EXPECT_LT(mappings(), before + 20);
}
