#pragma once
// Character-level tokenizer: one id per Unicode code point seen in the text it
// was built from, ordered by code point (so the same text gives the same ids).
#include <string>
#include <unordered_map>
#include <vector>

#include "data/tokenizer.h"

namespace anvil::data {

class CharTokenizer final : public Tokenizer {
 public:
  static CharTokenizer from_text(std::string_view text);
  static CharTokenizer load(const std::string& path);

  // Throws, naming the character and its byte offset, for a character outside
  // the vocabulary: a silently mapped character would corrupt evaluation.
  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(chars_.size()); }
  std::string type() const override { return "char"; }
  uint64_t fingerprint() const override;
  void save(const std::string& path) const override;

 private:
  explicit CharTokenizer(std::vector<std::string> chars);
  std::vector<std::string> chars_;  // id -> UTF-8 bytes of one code point
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace anvil::data
