#pragma once
// HF post-processors for single sequences: TemplateProcessing,
// RobertaProcessing, BertProcessing, ByteLevel (offsets only) and Sequence:
// the special tokens that go before and after the text's tokens.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace anvil::tokenizers {

struct PostProcessor {
  std::vector<int32_t> before, after;
};

// Throws std::runtime_error naming `file` and the type for a type it does not know.
PostProcessor post_processor_from_json(const nlohmann::json& config, const std::string& file);

}  // namespace anvil::tokenizers
