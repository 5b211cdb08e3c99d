#pragma once
// Builds a run's data from its config: the tokenizer and the training and
// validation blocks of a plain-text corpus.
#include <memory>
#include <optional>

#include "data/token_blocks.h"
#include "data/tokenizer.h"
#include "trainer/run_config.h"

namespace anvil::trainer {

struct TextData {
  std::unique_ptr<data::Tokenizer> tokenizer;
  std::optional<data::TokenBlocks> train;
  std::optional<data::TokenBlocks> val;
  torch::Tensor val_tokens;  // the whole validation stream, for sliding-window evaluation
  double val_bytes_per_token = 1.0;  // UTF-8 bytes of validation text per token, for bits per byte
};

// `tokenizer`: the one to encode with (e.g. from a checkpoint); null builds it
// from the config (a char vocabulary from the training text, or the
// sentencepiece model at tokenizer.path). Errors name the file.
TextData load_text_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer = nullptr);

}  // namespace anvil::trainer
