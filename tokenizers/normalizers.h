#pragma once
// HF normalizers: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip
// and Sequence, read from their tokenizer.json objects.
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenizers/piece.h"

namespace anvil::tokenizers {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(Piece& piece) const = 0;
};

// Throws std::runtime_error naming `file` and the type for a type it does not know.
std::unique_ptr<Normalizer> normalizer_from_json(const nlohmann::json& config, const std::string& file);

}  // namespace anvil::tokenizers
