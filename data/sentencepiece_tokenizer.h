#pragma once
// A trained sentencepiece model (.model file) behind the Tokenizer interface.
#include <memory>
#include <string>

#include "data/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace anvil::data {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& model_path);
  ~SentencePieceTokenizer() override;
  SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept;

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int64_t vocab_size() const override;
  int32_t eos_id() const override;
  int32_t bos_id() const override;
  uint64_t fingerprint() const override;
  std::string type() const override { return "sentencepiece"; }
  void save(const std::string& path) const override;
  // Into DIR: tokenizer.model and a tokenizer_config.json that makes
  // transformers' LlamaTokenizer encode as this does (no BOS or EOS added, no
  // "▁" put first). The one difference: transformers reads the literal texts
  // "<unk>", "<s>" and "</s>" as those tokens, sentencepiece spells them out.
  void save_for_transformers(const std::string& dir) const;

 private:
  void encode_whole(std::string_view text, std::vector<int32_t>& out) const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  bool cuts_at_spaces_ = false;  // long texts encode a bounded piece at a time
};

}  // namespace anvil::data
