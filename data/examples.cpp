#include "data/examples.h"

#include <algorithm>
#include <stdexcept>

#include "data/batch.h"

namespace anvil::data {

Example encode_parts(const std::vector<TextPart>& parts, const Tokenizer& tokenizer, bool end_trained_parts) {
  std::vector<int32_t> tokens;
  std::vector<bool> trained;
  for (const auto& part : parts) {
    for (const int32_t t : tokenizer.encode(part.text)) {
      tokens.push_back(t);
      trained.push_back(part.trained);
    }
    if (part.trained && end_trained_parts) {
      if (tokenizer.eos_id() < 0) throw std::runtime_error("the tokenizer has no EOS token to end a response with");
      tokens.push_back(tokenizer.eos_id());
      trained.push_back(true);
    }
  }
  Example e;
  if (tokens.size() < 2) return e;
  e.inputs.assign(tokens.begin(), tokens.end() - 1);
  for (size_t i = 1; i < tokens.size(); ++i) e.targets.push_back(trained[i] ? tokens[i] : kIgnoreIndex);
  return e;
}

Example encode_labeled(const std::string& text, int64_t label, const Tokenizer& tokenizer) {
  Example e;
  e.inputs = tokenizer.encode(text);
  e.targets.assign(e.inputs.size(), kIgnoreIndex);
  if (!e.targets.empty()) e.targets.back() = label;
  return e;
}

int64_t trained_tokens(const Example& example) {
  return std::count_if(example.targets.begin(), example.targets.end(), [](int64_t t) { return t != kIgnoreIndex; });
}

void truncate_example(Example& example, int64_t length, bool classification) {
  if (static_cast<int64_t>(example.inputs.size()) <= length) return;
  const int64_t label = example.targets.back();
  example.inputs.resize(static_cast<size_t>(length));
  example.targets.resize(static_cast<size_t>(length));
  if (classification) example.targets.back() = label;
}

}  // namespace anvil::data
