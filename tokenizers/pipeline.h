#pragma once
// The parts of a tokenizer in HF's order (added tokens, normalizer,
// pre-tokenizer, BPE model, post-processor; decoder for the way back) and
// the encode and decode that run them.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/added_vocabulary.h"
#include "tokenizers/bpe_model.h"
#include "tokenizers/decoders.h"
#include "tokenizers/hf_tokenizer.h"
#include "tokenizers/normalizers.h"
#include "tokenizers/post_processor.h"
#include "tokenizers/pre_tokenizers.h"

namespace anvil::tokenizers {

struct Pipeline {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> model;
  AddedVocabulary added;
  PostProcessor post_processor;
  std::unique_ptr<Decoder> decoder;

  // `text` is valid UTF-8; its bytes came from input offsets `text.origin_of(i)`.
  Encoding encode(const Piece& text, size_t input_size, bool add_special_tokens) const;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  std::optional<int32_t> token_to_id(const std::string& token) const;
  int32_t max_id() const;
};

}  // namespace anvil::tokenizers
