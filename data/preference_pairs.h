#pragma once
// Preference pairs from jsonl records (task dpo): a prompt and two responses
// to it, the chosen (preferred) and the rejected, in one of three forms:
//   prompt    prompt, chosen and rejected strings
//   dialogue  chosen and rejected whole dialogues that share a prefix; each
//             response is what follows the last response marker (HH-RLHF's
//             "\n\nAssistant:"), the prompt everything up to it
//   messages  chosen and rejected lists of {role, content} that share all
//             but the last message, an assistant's, rendered with the Hugging
//             Face tokenizer's chat template
// Each response is a row of the prompt and that response, trained on the
// response and the EOS (or end-of-turn) token that ends it.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "data/examples.h"
#include "data/tokenizer.h"

namespace anvil::data {

enum class PairFormat { kPrompt, kDialogue, kMessages };

struct PairOptions {
  PairFormat format = PairFormat::kPrompt;
  std::string prompt_field;
  std::string chosen_field;
  std::string rejected_field;
  std::string response_marker;  // dialogue
};

struct PairExample {
  Example chosen;
  Example rejected;
};

// Why a record gives no pair to train on: it is counted and left out, never
// trained. Malformed records (a missing field, no marker) throw instead.
enum class PairSkip { kIdentical, kNoSharedPrompt };

// The record's pair, or why it has none. Throws naming `path` and `line`.
std::optional<PairExample> pair_example(const nlohmann::ordered_json& record, const PairOptions& options,
                                        const Tokenizer& tokenizer, const std::string& path, int64_t line,
                                        PairSkip* skipped);

}  // namespace anvil::data
