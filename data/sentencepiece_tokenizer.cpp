#include "data/sentencepiece_tokenizer.h"

#include <fstream>
#include <stdexcept>

#include <sentencepiece_processor.h>

namespace anvil::data {

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const auto status = processor_->Load(model_path);
  if (!status.ok())
    throw std::runtime_error("cannot load sentencepiece model '" + model_path + "': " + status.ToString());
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;
SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept = default;

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(text, &ids);
  if (!status.ok()) throw std::runtime_error("sentencepiece encode failed: " + status.ToString());
  return {ids.begin(), ids.end()};
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  const auto status = processor_->Decode(std::vector<int>(ids.begin(), ids.end()), &text);
  if (!status.ok()) throw std::runtime_error("sentencepiece decode failed: " + status.ToString());
  return text;
}

int64_t SentencePieceTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

int32_t SentencePieceTokenizer::eos_id() const { return processor_->eos_id(); }

uint64_t SentencePieceTokenizer::fingerprint() const { return fnv1a_64(processor_->serialized_model_proto()); }

void SentencePieceTokenizer::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary);
  out << processor_->serialized_model_proto();
  if (!out) throw std::runtime_error("cannot write sentencepiece model '" + path + "'");
}

}  // namespace anvil::data
