#pragma once
// A Hugging Face tokenizer (tokenizers/) behind the Tokenizer interface, with
// the chat template a run renders conversations with.
#include <memory>
#include <string>

#include "chat/chat_template.h"
#include "data/tokenizer.h"
#include "tokenizers/hf_tokenizer.h"

namespace anvil::data {

class HfTokenizer final : public Tokenizer {
 public:
  // CHAT_TEMPLATE_FILE, when not empty, replaces the directory's template; it
  // is saved as chat_template.jinja, which transformers prefers too.
  explicit HfTokenizer(tokenizers::HfTokenizer tokenizer, const std::string& chat_template_file = "");

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int64_t vocab_size() const override;
  int32_t eos_id() const override;
  int32_t bos_id() const override;
  std::vector<int64_t> stop_ids() const override;
  uint64_t fingerprint() const override;
  std::string type() const override { return "hf"; }
  // PATH is a directory: the tokenizer's own files, as transformers reads them.
  void save(const std::string& path) const override;
  const HfTokenizer* hf() const override { return this; }

  const tokenizers::HfTokenizer& tokenizer() const { return tokenizer_; }
  // Throws naming the tokenizer's files when it has no chat template.
  const chat::ChatTemplate& chat_template() const;
  // The token strings that end an assistant turn: generation_config.json's
  // EOS ids and the EOS token.
  std::vector<std::string> end_of_turn_tokens() const;

 private:
  tokenizers::HfTokenizer tokenizer_;
  std::string template_source_;  // empty: none
  std::string template_name_;
  std::unique_ptr<chat::ChatTemplate> chat_template_;  // parsed once, when there is a template
};

// tokenizer(text).input_ids as transformers gives it, which is what
// lm-evaluation-harness and OpenAI-style servers score: a Hugging Face
// tokenizer adds its special tokens (Llama's BOS); anvil's own have none.
std::vector<int32_t> encode_with_special_tokens(const Tokenizer& tokenizer, std::string_view text);

}  // namespace anvil::data
