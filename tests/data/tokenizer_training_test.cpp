#include "data/tokenizer_training.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "data/sentencepiece_tokenizer.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using anvil::data::DocumentStream;
using anvil::data::SentencePieceTokenizer;
using anvil::data::TokenizerTrainingOptions;
using anvil::data::train_sentencepiece;
using anvil::test_support::error_of;
using anvil::test_support::TempDir;
using testing::HasSubstr;

namespace {

// The start of tiny Shakespeare, cut at a line end: enough to learn a few
// hundred pieces while keeping training well under a second.
std::string shakespeare_slice() {
  std::ifstream in(anvil::test_support::shakespeare_path(), std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (text.size() < 200000) throw std::runtime_error("tiny Shakespeare is missing or short");
  return text.substr(0, text.rfind('\n', 100000) + 1);
}

DocumentStream one_document(std::string text) {
  return [text = std::move(text)](const std::function<void(std::string_view)>& visit) { visit(text); };
}

int64_t non_empty_lines(const std::string& text) {
  int64_t lines = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines += !line.empty();
  return lines;
}

TokenizerTrainingOptions small_options(const std::string& model_type) {
  TokenizerTrainingOptions options;
  options.model_type = model_type;
  options.vocab_size = 400;  // byte fallback alone takes 256 pieces
  options.special_tokens = {"<|endoftext|>", "<pad>"};
  options.threads = 1;
  return options;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

TEST(TokenizerTraining, BpeKeepsSpecialTokensWholeAndRoundTrips) {
  TempDir dir;
  const std::string corpus = shakespeare_slice();
  const auto model_path = dir.path("nested/dir/tokenizer.model");
  const auto report = train_sentencepiece(one_document(corpus), small_options("bpe"), model_path);
  EXPECT_EQ(report.vocab_size, 400);
  EXPECT_EQ(report.sentences, non_empty_lines(corpus));
  EXPECT_FALSE(std::filesystem::exists(model_path + ".tmp"));

  const SentencePieceTokenizer tokenizer(model_path);
  EXPECT_EQ(tokenizer.vocab_size(), 400);
  const auto eot = tokenizer.encode("<|endoftext|>");
  const auto pad = tokenizer.encode("<pad>");
  ASSERT_EQ(eot.size(), 1u);
  ASSERT_EQ(pad.size(), 1u);
  EXPECT_NE(eot[0], pad[0]);

  // Newlines, doubled and leading spaces, a character the corpus lacks and a special token inside text.
  const std::string sample =
      "First Citizen:\nBefore we proceed  any further,\n\n   hear me speak. é\tdone<|endoftext|>Next";
  const auto ids = tokenizer.encode(sample);
  EXPECT_LT(ids.size(), sample.size());  // it learnt merges, not just characters
  EXPECT_EQ(tokenizer.decode(ids), sample);
}

TEST(TokenizerTraining, UnigramTrains) {
  TempDir dir;
  const auto model_path = dir.path("unigram.model");
  const auto report = train_sentencepiece(one_document(shakespeare_slice()), small_options("unigram"), model_path);
  EXPECT_EQ(report.vocab_size, 400);
  const SentencePieceTokenizer tokenizer(model_path);
  EXPECT_EQ(tokenizer.vocab_size(), 400);
  EXPECT_EQ(tokenizer.encode("<pad>").size(), 1u);
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("To be, or not  to be:\nthat is")), "To be, or not  to be:\nthat is");
}

// Without byte fallback a character outside the pieces becomes <unk>; a
// newline, which training on lines never sees, must not be one of them.
TEST(TokenizerTraining, NewlinesSurviveWithoutByteFallback) {
  TempDir dir;
  auto options = small_options("bpe");
  options.byte_fallback = false;
  options.vocab_size = 200;
  const auto model_path = dir.path("plain.model");
  train_sentencepiece(one_document(shakespeare_slice()), options, model_path);
  const SentencePieceTokenizer tokenizer(model_path);
  const std::string text = "First Citizen:\nBefore we proceed\n\nany further";
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(text)), text);
}

TEST(TokenizerTraining, MaxSentencesSamplesTheCorpusReproducibly) {
  TempDir dir;
  auto options = small_options("bpe");
  const auto corpus = one_document(shakespeare_slice());
  train_sentencepiece(corpus, options, dir.path("all.model"));
  options.max_sentences = 500;
  const auto report = train_sentencepiece(corpus, options, dir.path("first.model"));
  train_sentencepiece(corpus, options, dir.path("second.model"));
  EXPECT_EQ(report.sentences, 500);
  // sentencepiece samples with a fixed seed, so the same corpus gives the same model.
  EXPECT_TRUE(read_bytes(dir.path("first.model")) == read_bytes(dir.path("second.model")));
  EXPECT_TRUE(read_bytes(dir.path("first.model")) != read_bytes(dir.path("all.model")));
}

TEST(TokenizerTraining, VocabularyTooLargeForTheCorpusIsAnError) {
  TempDir dir;
  auto options = small_options("bpe");
  options.vocab_size = 1000000;
  const auto model_path = dir.path("too_big.model");
  try {
    train_sentencepiece(one_document("a tiny corpus\nof two lines\n"), options, model_path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("sentencepiece training failed: "));
    EXPECT_THAT(e.what(), HasSubstr("Vocabulary size too high (1000000)"));
  }
  EXPECT_FALSE(std::filesystem::exists(model_path));
}

TEST(TokenizerTraining, SpecialTokenWithCommaIsRejected) {
  TempDir dir;
  auto options = small_options("bpe");
  options.special_tokens = {"<a,b>"};
  try {
    train_sentencepiece(one_document("some text\n"), options, dir.path("m.model"));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'<a,b>'"));
  }
}

TEST(TokenizerTraining, NoLineToTrainOnIsNamed) {
  TempDir dir;
  const auto options = small_options("bpe");
  const DocumentStream nothing = [](const std::function<void(std::string_view)>&) {};
  const auto empty = error_of<std::runtime_error>([&] { train_sentencepiece(nothing, options, dir.path("m.model")); });
  EXPECT_THAT(empty, HasSubstr("no line to train on"));
  EXPECT_THAT(empty, HasSubstr("none (are all sources split: val?)"));
  const auto one_long_line = one_document(std::string(70000, 'a') + "\n");
  EXPECT_THAT(error_of<std::runtime_error>([&] { train_sentencepiece(one_long_line, options, dir.path("m.model")); }),
              HasSubstr("only longer ones"));
}
