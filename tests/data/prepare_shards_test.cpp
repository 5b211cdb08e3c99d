#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/char_tokenizer.h"
#include "data/prepare_shards.h"
#include "data/token_shard.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using namespace anvil::data;
using anvil::test_support::error_of;
using anvil::test_support::TempDir;
using ::testing::HasSubstr;

namespace {

// 200 short documents, one per line, all distinct.
std::string corpus() {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "document number " + std::to_string(i) + " says hello\n";
  return text;
}

CorpusSource lines_of(const std::string& name, const std::string& path, SourceSplit split = SourceSplit::kAuto) {
  DocumentSource documents;
  documents.path = path;
  documents.delimiter = Delimiter::kLine;
  return {name, documents, split};
}

std::vector<std::string> decoded_documents(const std::vector<std::string>& files, const Tokenizer& tokenizer) {
  std::vector<std::string> out;
  for (const auto& file : files) {
    const TokenShard shard(file);
    for (int64_t d = 0; d < shard.documents(); ++d) {
      std::vector<int64_t> tokens(static_cast<size_t>(shard.document_start(d + 1) - shard.document_start(d)));
      shard.read(shard.document_start(d), static_cast<int64_t>(tokens.size()), tokens.data());
      out.push_back(tokenizer.decode({tokens.begin(), tokens.end()}));
    }
  }
  return out;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

// 200 one-line documents, their character vocabulary, and options that write
// under out/.
class PrepareShards : public ::testing::Test {
 protected:
  PrepareShards() { options.out_dir = dir.path("out"); }

  TempDir dir;
  const std::string text = corpus();
  const CharTokenizer tokenizer = CharTokenizer::from_text(text);
  PrepareOptions options;
};

TEST_F(PrepareShards, SplitsWholeDocumentsDeterministicallyAndLosesNone) {
  options.val_fraction = 0.2;
  options.seed = 4;
  options.threads = 2;
  options.shard_tokens = 2000;  // several shards
  const auto report = prepare_shards({lines_of("docs", dir.write("docs.txt", text))}, tokenizer, options);
  const auto& s = report.sources.at(0);
  EXPECT_EQ(s.train.documents + s.val.documents, 200);
  EXPECT_GT(s.val.documents, 20);
  EXPECT_LT(s.val.documents, 60);
  EXPECT_GT(s.train.shards, 1);
  EXPECT_TRUE(std::filesystem::exists(options.out_dir + "/manifest.json"));

  // Every document is in exactly one split, whole, in its original order.
  const auto train = decoded_documents(shard_files(options.out_dir, "docs", "train").files, tokenizer);
  const auto val = decoded_documents(shard_files(options.out_dir, "docs", "val").files, tokenizer);
  EXPECT_EQ(static_cast<int64_t>(train.size()), s.train.documents);
  std::vector<std::string> all(train);
  all.insert(all.end(), val.begin(), val.end());
  std::sort(all.begin(), all.end());
  std::vector<std::string> expected;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) expected.push_back(line);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);

  // The same seed gives the same bytes; another seed another split.
  const std::string first = bytes_of(shard_files(options.out_dir, "docs", "val").files.at(0));
  prepare_shards({lines_of("docs", dir.path("docs.txt"))}, tokenizer, options);
  EXPECT_EQ(bytes_of(shard_files(options.out_dir, "docs", "val").files.at(0)), first);
  options.seed = 5;
  prepare_shards({lines_of("docs", dir.path("docs.txt"))}, tokenizer, options);
  EXPECT_NE(bytes_of(shard_files(options.out_dir, "docs", "val").files.at(0)), first);
}

TEST_F(PrepareShards, FixedSplitsAndParallelEncodingMatchSerial) {
  options.out_dir = dir.path("serial");
  options.threads = 1;
  const auto path = dir.write("docs.txt", text);
  prepare_shards({lines_of("held", path, SourceSplit::kVal)}, tokenizer, options);
  EXPECT_TRUE(shard_files(options.out_dir, "held", "train").files.empty());
  const std::string serial = bytes_of(shard_files(options.out_dir, "held", "val").files.at(0));
  options.out_dir = dir.path("parallel");
  options.threads = 4;
  prepare_shards({lines_of("held", path, SourceSplit::kVal)}, tokenizer, options);
  EXPECT_EQ(bytes_of(shard_files(options.out_dir, "held", "val").files.at(0)), serial);
}

TEST_F(PrepareShards, FailureKeepsWhatWasPreparedBefore) {
  const auto path = dir.write("docs.txt", text);
  prepare_shards({lines_of("docs", path)}, tokenizer, options);
  const std::string before = bytes_of(shard_files(options.out_dir, "docs", "train").files.at(0));

  // A character the vocabulary lacks makes encoding fail halfway.
  dir.write("docs.txt", text + "hello Z\n");
  try {
    prepare_shards({lines_of("docs", path)}, tokenizer, options);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("'Z'"));
    EXPECT_THAT(e.what(), HasSubstr("source 'docs' ('" + path + "'), document 201: "));
  }
  EXPECT_EQ(bytes_of(shard_files(options.out_dir, "docs", "train").files.at(0)), before);
  for (const auto& entry : std::filesystem::directory_iterator(options.out_dir))
    EXPECT_EQ(entry.path().filename().string().rfind(".tmp", 0), std::string::npos) << entry.path();
}

TEST_F(PrepareShards, NeverReplacesAFolderOfOtherFiles) {
  // A source named after the folder that holds the corpus itself.
  const auto path = dir.write("out/docs/docs.txt", text);
  dir.write("out/docs/notes.md", "mine");
  const auto msg = error_of([&] { prepare_shards({lines_of("docs", path)}, tokenizer, options); });
  EXPECT_THAT(msg, HasSubstr(dir.path("out/docs")));
  EXPECT_THAT(msg, HasSubstr("which anvil prepare did not write"));
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(dir.path("out/docs/notes.md")));
}

TEST_F(PrepareShards, ShardsAreListedFromTheManifest) {
  options.shard_tokens = 2000;
  const auto path = dir.write("docs.txt", text);
  prepare_shards({lines_of("first", path)}, tokenizer, options);
  // A second prepare into the same folder keeps the first source listed.
  prepare_shards({lines_of("second", path)}, tokenizer, options);
  const auto files = shard_files(options.out_dir, "first", "train").files;
  ASSERT_GT(files.size(), 1u);
  EXPECT_FALSE(shard_files(options.out_dir, "second", "train").files.empty());

  std::filesystem::remove(files.at(1));
  EXPECT_THAT(error_of([&] { shard_files(options.out_dir, "first", "train"); }),
              HasSubstr("token shard '" + files.at(1) + "' is missing"));
  EXPECT_THAT(error_of([&] { shard_files(options.out_dir, "third", "train"); }), HasSubstr("lists no source 'third'"));
  dir.write("out/manifest.json", "{\"sources\": [");
  EXPECT_THAT(error_of([&] { shard_files(options.out_dir, "first", "train"); }), HasSubstr("manifest.json' is damaged"));
  std::filesystem::remove(dir.path("out/manifest.json"));
  EXPECT_THAT(error_of([&] { shard_files(options.out_dir, "first", "train"); }), HasSubstr("has no manifest.json"));
}

// The manifest follows each source as it is swapped in: when a later source
// fails, it lists the shards the earlier ones now have on disk.
TEST_F(PrepareShards, AFailedSourceLeavesAManifestOfWhatIsOnDisk) {
  const auto path = dir.write("docs.txt", text);
  prepare_shards({lines_of("docs", path)}, tokenizer, options);
  EXPECT_EQ(shard_files(options.out_dir, "docs", "train").files.size(), 1u);
  options.shard_tokens = 2000;  // now several shards
  const auto bad = dir.write("bad.txt", "hello Z\n");
  EXPECT_THAT(error_of([&] { prepare_shards({lines_of("docs", path), lines_of("bad", bad)}, tokenizer, options); }),
              HasSubstr("'Z'"));
  const auto split = shard_files(options.out_dir, "docs", "train");
  EXPECT_GT(split.files.size(), 1u);
  int64_t tokens = 0;
  for (const auto& file : split.files) tokens += TokenShard(file).size();
  EXPECT_EQ(tokens, split.tokens);
}
