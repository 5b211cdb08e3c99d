#pragma once
// HF pre-tokenizers: ByteLevel, Split, Digits, Metaspace, Whitespace,
// WhitespaceSplit, Punctuation and Sequence, read from tokenizer.json objects.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizers/piece.h"

namespace anvil::tokenizers {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` by their parts; empty parts are dropped.
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

// Throws std::runtime_error naming `file` and the type for a type it does not know.
std::unique_ptr<PreTokenizer> pre_tokenizer_from_json(const nlohmann::json& config, const std::string& file);

}  // namespace anvil::tokenizers
