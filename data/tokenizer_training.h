#pragma once
// Training a sentencepiece model through the sentencepiece C++ trainer.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::data {

struct TokenizerTrainingOptions {
  std::string model_type = "bpe";  // bpe | unigram
  int64_t vocab_size = 8192;
  double character_coverage = 0.9995;
  bool byte_fallback = true;  // unknown characters become byte tokens instead of <unk>
  std::vector<std::string> special_tokens;  // always single tokens, never split: e.g. <|endoftext|>, <pad>
  int64_t max_sentences = 0;  // lines sampled for training (0: all)
  int64_t threads = 0;        // 0: all cores
  uint64_t seed = 0;          // unused: sentencepiece 0.1.97 always samples lines with its own fixed seed
  // For a progress line: called every 10000 lines read (total 0: not known
  // yet) and then handed to sentencepiece (total: all of them).
  std::function<void(int64_t lines, int64_t total)> on_progress;
};

// Feeds every document of a corpus to the callback it is given.
using DocumentStream = std::function<void(const std::function<void(std::string_view)>&)>;

struct TokenizerTrainingReport {
  int64_t sentences = 0;  // lines the trainer saw
  int64_t vocab_size = 0;
};

// Trains on the lines of the documents `corpus` yields and writes the model to
// `model_path` (written whole, then renamed into place). The model normalises
// nothing (identity rule, whitespace kept, no dummy "▁" prefix), so
// decode(encode(text)) == text and each special token alone encodes to one id.
// Throws std::runtime_error with sentencepiece's message on failure (e.g. a
// vocabulary larger than the corpus allows).
TokenizerTrainingReport train_sentencepiece(const DocumentStream& corpus, const TokenizerTrainingOptions& options,
                                            const std::string& model_path);

}  // namespace anvil::data
