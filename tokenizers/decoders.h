#pragma once
// HF decoders: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace and
// Sequence, each turning the list of token strings into a new list.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace anvil::tokenizers {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Throws std::runtime_error naming `file` and the type for a type it does not know.
std::unique_ptr<Decoder> decoder_from_json(const nlohmann::json& config, const std::string& file);

}  // namespace anvil::tokenizers
