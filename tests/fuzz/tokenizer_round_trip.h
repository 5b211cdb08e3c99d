#pragma once
// What the tokenizer targets do with a tokenizer that loaded: encode texts
// that reach every stage (spaces, digits, non-ASCII, an added-token-like
// string, invalid UTF-8), decode the ids, and look each id up.
#include <string>
#include <vector>

#include "tokenizers/hf_tokenizer.h"

namespace anvil::fuzz {

inline void round_trip(const std::string& dir) {
  const auto tokenizer = tokenizers::HfTokenizer::load(dir);
  for (const std::string& text : std::vector<std::string>{"Hello world", "  two  spaces\n\tand 12345 digits", "naïve café 東京 🙂",
                                 "<|endoftext|><s>[INST]", std::string("bad \xff\xfe utf8")}) {
    for (const bool special : {false, true}) {
      const auto encoding = tokenizer.encode(text, special);
      tokenizer.decode(encoding.ids, special);
      for (const int32_t id : encoding.ids) tokenizer.id_to_token(id);
    }
  }
  tokenizer.decode({0, 1, 2, static_cast<int32_t>(tokenizer.vocab_size()) - 1}, false);
}

}  // namespace anvil::fuzz
