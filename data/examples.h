#pragma once
// Labeled examples for fine-tuning, as the model sees them: inputs[i]
// predicts targets[i], and kIgnoreIndex marks positions that carry no loss.
//   instruction data:  prompt tokens carry no loss; response tokens and the
//                      EOS that ends them do, so the model learns to stop.
//   classification:    one target, the label, at the text's last token.
#include <cstdint>
#include <string>
#include <vector>

#include "data/tokenizer.h"

namespace anvil::data {

struct Example {
  std::vector<int32_t> inputs;
  std::vector<int64_t> targets;  // same length as inputs
};

struct TextPart {
  std::string text;
  bool trained;  // whether this part's tokens are targets
};

// Encodes each part on its own, in order; `end_trained_parts` puts EOS after
// every trained part (a reply ends there). Throws when the tokenizer has no
// EOS but one is asked for.
Example encode_parts(const std::vector<TextPart>& parts, const Tokenizer& tokenizer, bool end_trained_parts = true);

Example encode_labeled(const std::string& text, int64_t label, const Tokenizer& tokenizer);

int64_t trained_tokens(const Example& example);

// Keeps the first `length` positions. For a classification example the label
// moves to the new last position, so the text is still classified as a whole
// (what is left of it).
void truncate_example(Example& example, int64_t length, bool classification);

}  // namespace anvil::data
