#include "data/sentencepiece_tokenizer.h"

#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>

#include "common/atomic_file.h"

namespace anvil::data {

namespace {

// Sentencepiece's encoder holds about 200 bytes per byte of text: a text
// longer than this is encoded in pieces of about this size.
constexpr size_t kPieceBytes = 1 << 18;
const std::string kSpace = "\xe2\x96\x81";  // "▁", a space inside a piece

// Whether a text encodes as the concatenation of its parts when cut just
// before a space: no piece of the vocabulary holds a space past its start (so
// none spans a cut), the model adds no space of its own at the start of a
// text, and it keeps spaces as written. Models anvil trains are of this kind;
// others are encoded whole.
bool cuts_at_spaces(const sentencepiece::SentencePieceProcessor& sp) {
  for (int id = 0; id < sp.GetPieceSize(); ++id)
    if (sp.IdToPiece(id).find(kSpace, 1) != std::string::npos) return false;
  const auto pieces = sp.EncodeAsPieces("x");
  if (!pieces.empty() && pieces.front().rfind(kSpace, 0) == 0) return false;  // a dummy prefix
  const std::string spaced = " x  y ";
  return sp.DecodeIds(sp.EncodeAsIds(spaced)) == spaced;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const auto status = processor_->Load(model_path);
  if (!status.ok())
    throw std::runtime_error("cannot load sentencepiece model '" + model_path + "': " + status.ToString());
  cuts_at_spaces_ = cuts_at_spaces(*processor_);
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;
SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept = default;

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  size_t start = 0;
  while (cuts_at_spaces_ && text.size() - start > kPieceBytes) {
    size_t cut = text.rfind(' ', start + kPieceBytes);
    if (cut == std::string_view::npos || cut <= start) cut = text.find(' ', start + kPieceBytes);
    if (cut == std::string_view::npos) break;
    encode_whole(text.substr(start, cut - start), out);
    start = cut;
  }
  encode_whole(text.substr(start), out);
  return out;
}

void SentencePieceTokenizer::encode_whole(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(text, &ids);
  if (!status.ok()) throw std::runtime_error("sentencepiece encode failed: " + status.ToString());
  out.insert(out.end(), ids.begin(), ids.end());
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  const auto status = processor_->Decode(std::vector<int>(ids.begin(), ids.end()), &text);
  if (!status.ok()) throw std::runtime_error("sentencepiece decode failed: " + status.ToString());
  return text;
}

int64_t SentencePieceTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

int32_t SentencePieceTokenizer::eos_id() const { return processor_->eos_id(); }

int32_t SentencePieceTokenizer::bos_id() const { return processor_->bos_id(); }

uint64_t SentencePieceTokenizer::fingerprint() const { return fnv1a_64(processor_->serialized_model_proto()); }

void SentencePieceTokenizer::save(const std::string& path) const {
  common::publish_file(path, processor_->serialized_model_proto());
}

void SentencePieceTokenizer::save_for_transformers(const std::string& dir) const {
  save((std::filesystem::path(dir) / "tokenizer.model").string());
  nlohmann::ordered_json config = {{"tokenizer_class", "LlamaTokenizer"},
                                   {"add_bos_token", false},
                                   {"add_eos_token", false},
                                   {"add_prefix_space", false},
                                   {"legacy", false},
                                   // "<unk>" in a text is text to sentencepiece, not the unknown token.
                                   {"split_special_tokens", true}};
  const auto piece = [&](int id) { return id >= 0 ? nlohmann::ordered_json(processor_->IdToPiece(id)) : nullptr; };
  config["bos_token"] = piece(processor_->bos_id());
  config["eos_token"] = piece(processor_->eos_id());
  config["unk_token"] = piece(processor_->unk_id());
  if (processor_->pad_id() >= 0) config["pad_token"] = piece(processor_->pad_id());
  common::publish_file(std::filesystem::path(dir) / "tokenizer_config.json", config.dump(2) + "\n");
}

}  // namespace anvil::data
