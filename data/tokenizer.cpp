#include "data/tokenizer.h"

#include <stdexcept>

#include "data/char_tokenizer.h"
#include "data/hf_tokenizer.h"
#include "data/sentencepiece_tokenizer.h"

namespace anvil::data {

std::vector<int64_t> Tokenizer::stop_ids() const {
  if (eos_id() < 0) return {};
  return {eos_id()};
}

std::string tokenizer_file_name(const std::string& type) {
  if (type == "char") return "tokenizer.chars.json";
  if (type == "sentencepiece") return "tokenizer.model";
  if (type == "hf") return "tokenizer";
  throw std::invalid_argument("unknown tokenizer type '" + type + "': expected char, sentencepiece or hf");
}

uint64_t fnv1a_64(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& type, const std::string& path,
                                          const std::string& chat_template_file) {
  if (type == "char") return std::make_unique<CharTokenizer>(CharTokenizer::load(path));
  if (type == "sentencepiece") return std::make_unique<SentencePieceTokenizer>(path);
  if (type == "hf") return std::make_unique<HfTokenizer>(tokenizers::HfTokenizer::load(path), chat_template_file);
  throw std::invalid_argument("unknown tokenizer type '" + type + "': expected char, sentencepiece or hf");
}

}  // namespace anvil::data
