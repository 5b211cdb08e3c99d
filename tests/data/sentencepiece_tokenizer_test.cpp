#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include "data/sentencepiece_tokenizer.h"
#include "data/text_lines.h"
#include "data/tokenizer_training.h"
#include "tests/support/temp_dir.h"

using anvil::data::SentencePieceTokenizer;

namespace {

// Trains a small BPE model on the first 200 kB of Tiny Shakespeare.
std::string train_model(const anvil::test_support::TempDir& dir) {
  const auto corpus = dir.write("corpus.txt", anvil::data::read_whole_file(anvil::test_support::shakespeare_path(), false).substr(0, 200000));
  const auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + corpus + " --model_prefix=" + dir.path("sp") +
      " --vocab_size=400 --model_type=bpe --character_coverage=1.0 --byte_fallback=true --minloglevel=2");
  EXPECT_TRUE(status.ok()) << status.ToString();
  return dir.path("sp.model");
}

}  // namespace

TEST(SentencePieceTokenizer, RoundTripsText) {
  anvil::test_support::TempDir dir;
  const SentencePieceTokenizer tok(train_model(dir));
  EXPECT_EQ(tok.vocab_size(), 400);
  const std::string text = "ROMEO: But soft, what light through yonder window breaks?";
  const auto ids = tok.encode(text);
  EXPECT_LT(ids.size(), text.size());  // merges happened
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(SentencePieceTokenizer, SavedCopyEncodesIdentically) {
  anvil::test_support::TempDir dir;
  const SentencePieceTokenizer tok(train_model(dir));
  tok.save(dir.path("copy.model"));
  const SentencePieceTokenizer copy(dir.path("copy.model"));
  const std::string text = "Now is the winter of our discontent";
  EXPECT_EQ(copy.encode(text), tok.encode(text));
}

TEST(SentencePieceTokenizer, MissingModelIsAnErrorNamingIt) {
  try {
    SentencePieceTokenizer tok("/nonexistent/tok.model");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/tok.model"), std::string::npos) << e.what();
  }
}

TEST(SentencePieceTokenizer, LongTextEncodesAsOneWhole) {
  // All of Tiny Shakespeare (1.1 MB) is longer than one encoding piece. The
  // model anvil trains is cut at spaces; sentencepiece's defaults (a space
  // added before the text, spaces collapsed) make a model that is not.
  const std::string text = anvil::data::read_whole_file(anvil::test_support::shakespeare_path(), false);
  anvil::test_support::TempDir dir;
  anvil::data::TokenizerTrainingOptions options;
  options.vocab_size = 400;
  options.threads = 1;
  anvil::data::train_sentencepiece([&](const auto& visit) { visit(text.substr(0, 200000)); }, options,
                                   dir.path("anvil.model"));
  for (const auto& model : {dir.path("anvil.model"), train_model(dir)}) {
    sentencepiece::SentencePieceProcessor whole;
    ASSERT_TRUE(whole.Load(model).ok());
    const auto expected = whole.EncodeAsIds(text);
    const auto ids = SentencePieceTokenizer(model).encode(text);
    EXPECT_EQ(std::vector<int>(ids.begin(), ids.end()), expected) << model;
  }
}
