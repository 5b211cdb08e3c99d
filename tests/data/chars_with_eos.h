#pragma once
// A char vocabulary with an EOS of its own, as instruction data needs.
#include <string>
#include <vector>

#include "data/char_tokenizer.h"

namespace anvil::test_support {

class CharsWithEos final : public data::Tokenizer {
 public:
  explicit CharsWithEos(std::string_view chars = "abcdefghijklmnopqrstuvwxyz :")
      : chars_(data::CharTokenizer::from_text(chars)) {}
  std::vector<int32_t> encode(std::string_view text) const override { return chars_.encode(text); }
  std::string decode(const std::vector<int32_t>& ids) const override { return chars_.decode(ids); }
  int64_t vocab_size() const override { return chars_.vocab_size() + 1; }
  int32_t eos_id() const override { return static_cast<int32_t>(chars_.vocab_size()); }
  uint64_t fingerprint() const override { return 1; }
  std::string type() const override { return "test"; }
  void save(const std::string&) const override {}

 private:
  data::CharTokenizer chars_;
};

}  // namespace anvil::test_support
