#pragma once
// Instruction-tuning examples from jsonl records, in one of three formats:
//   alpaca             instruction, optional input and output fields; the
//                      prompt is a template with {instruction} and {input}
//   prompt_completion  a prompt field and a completion field, as written
//   messages           a list of {role, content}: each content follows the
//                      role template with {role} filled in; only assistant
//                      contents are responses
//   chat               messages (or an alpaca record) rendered with the
//                      Hugging Face tokenizer's chat template (chat_examples.h)
// The prompt carries no loss; each response does, with the EOS ending it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/examples.h"
#include "data/tokenizer.h"

namespace anvil::data {

enum class SftFormat { kAlpaca, kPromptCompletion, kMessages, kChat };

// Every member is the caller's to fill: the defaults live with the run config.
struct SftOptions {
  SftFormat format = SftFormat::kAlpaca;
  std::string prompt_template;           // alpaca with a non-empty input
  std::string prompt_template_no_input;  // alpaca without one
  std::string instruction_field;
  std::string input_field;
  std::string output_field;
  std::string prompt_field;
  std::string completion_field;
  std::string messages_field;
  std::string role_template;  // messages: before each message's content
};

// `text` with each {key} slot of `values` replaced, in one pass over the
// template: a value that itself holds "{input}" stays as written. Unknown
// slots and unclosed braces stay too.
std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values);

// The record's prompt and response texts, in order (not for chat, which the
// template renders whole). Throws naming `path` and
// `line` for a missing or mistyped field and for a role other than system,
// user, assistant or tool (a misspelt assistant would turn a response into prompt).
std::vector<TextPart> sft_parts(const nlohmann::ordered_json& record, const SftOptions& options, const std::string& path,
                                int64_t line);

// The record's tokens, with only its responses (and their EOS or end-of-turn
// token) as targets. Chat needs a Hugging Face tokenizer.
Example sft_example(const nlohmann::ordered_json& record, const SftOptions& options, const Tokenizer& tokenizer,
                    const std::string& path, int64_t line);

// The text a tuned model answers, around a request: an alpaca instruction
// without input, a prompt, or a user message followed by the assistant's turn.
std::string sft_prompt(const SftOptions& options, const Tokenizer& tokenizer, const std::string& request);

}  // namespace anvil::data
