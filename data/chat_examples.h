#pragma once
// Conversations rendered with a Hugging Face tokenizer's own chat template
// (sft.format: chat). The loss falls on the assistant turns only, each with
// its end-of-turn token, never on system or user text or the template's
// scaffolding.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/examples.h"
#include "data/hf_tokenizer.h"
#include "data/sft_examples.h"

namespace anvil::data {

// A rendered conversation's tokens, and which of them the loss falls on.
struct ChatTokens {
  std::string text;
  std::vector<int32_t> ids;
  std::vector<bool> trained;  // one per id
};

// The record's conversation: its options.messages_field list, or an alpaca
// record (instruction, input, output fields) as one user turn (the
// instruction, then the input after a blank line) and the assistant's answer.
// Throws naming `path` and `line`.
nlohmann::ordered_json chat_messages(const nlohmann::ordered_json& record, const SftOptions& options, const std::string& path,
                             int64_t line);

// Throws the template's own error (raise_exception's text, or the template
// line that failed).
ChatTokens chat_tokens(const nlohmann::ordered_json& messages, const HfTokenizer& tokenizer);

Example chat_example(const nlohmann::ordered_json& record, const SftOptions& options, const HfTokenizer& tokenizer,
                     const std::string& path, int64_t line);

// What a chat model answers `request` after: one user turn and the
// template's generation prompt.
std::string chat_prompt(const HfTokenizer& tokenizer, const std::string& request);

}  // namespace anvil::data
