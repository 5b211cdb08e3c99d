#include "tokenizers/sentencepiece_proto.h"

#include <cstring>
#include <stdexcept>
#include <string_view>

namespace anvil::tokenizers {
namespace {

// A protobuf message read field by field.
class WireReader {
 public:
  WireReader(std::string_view bytes, const std::string& file) : bytes_(bytes), file_(file) {}
  bool done() const { return at_ >= bytes_.size(); }
  // The next field's number and wire type.
  void next_field(uint32_t* number, uint32_t* wire_type) {
    const uint64_t key = varint();
    *number = static_cast<uint32_t>(key >> 3);
    *wire_type = static_cast<uint32_t>(key & 7);
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      const auto byte = static_cast<unsigned char>(bytes_[at_++]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail("a varint is too long");
  }
  std::string_view length_delimited() {
    const uint64_t length = varint();
    need(length);
    const std::string_view out = bytes_.substr(at_, length);
    at_ += length;
    return out;
  }
  float fixed32_float() {
    need(4);
    uint32_t raw = 0;
    for (int i = 0; i < 4; ++i) raw |= static_cast<uint32_t>(static_cast<unsigned char>(bytes_[at_ + i])) << (8 * i);
    at_ += 4;
    float value;
    std::memcpy(&value, &raw, sizeof(value));
    return value;
  }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0: varint(); return;
      case 1: need(8); at_ += 8; return;
      case 2: length_delimited(); return;
      case 5: need(4); at_ += 4; return;
      default: fail("unknown wire type " + std::to_string(wire_type));
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(file_ + ": not a sentencepiece model (" + what + ")");
  }

 private:
  void need(uint64_t n) const {
    if (at_ + n > bytes_.size()) fail("truncated message");
  }
  std::string_view bytes_;
  const std::string& file_;
  size_t at_ = 0;
};

SentencePieceModel::Piece read_piece(std::string_view bytes, const std::string& file) {
  WireReader reader(bytes, file);
  SentencePieceModel::Piece piece;
  while (!reader.done()) {
    uint32_t number, wire;
    reader.next_field(&number, &wire);
    if (number == 1 && wire == 2) piece.piece = std::string(reader.length_delimited());
    else if (number == 2 && wire == 5) piece.score = reader.fixed32_float();
    else if (number == 3 && wire == 0) piece.type = static_cast<SentencePieceModel::PieceType>(reader.varint());
    else reader.skip(wire);
  }
  return piece;
}

void read_trainer_spec(std::string_view bytes, const std::string& file, SentencePieceModel& model) {
  WireReader reader(bytes, file);
  while (!reader.done()) {
    uint32_t number, wire;
    reader.next_field(&number, &wire);
    if (wire == 0 && number == 3) model.model_type = static_cast<int>(reader.varint());
    else if (wire == 0 && number == 35) model.byte_fallback = reader.varint() != 0;
    else if (wire == 0 && number == 40) model.unk_id = static_cast<int32_t>(reader.varint());
    else if (wire == 0 && number == 41) model.bos_id = static_cast<int32_t>(reader.varint());
    else if (wire == 0 && number == 42) model.eos_id = static_cast<int32_t>(reader.varint());
    else if (wire == 0 && number == 43) model.pad_id = static_cast<int32_t>(reader.varint());
    else if (wire == 2 && number == 45) model.unk_piece = std::string(reader.length_delimited());
    else reader.skip(wire);
  }
}

void read_normalizer_spec(std::string_view bytes, const std::string& file, SentencePieceModel& model) {
  WireReader reader(bytes, file);
  while (!reader.done()) {
    uint32_t number, wire;
    reader.next_field(&number, &wire);
    if (wire == 2 && number == 2) model.precompiled_charsmap = std::string(reader.length_delimited());
    else if (wire == 0 && number == 3) model.add_dummy_prefix = reader.varint() != 0;
    else if (wire == 0 && number == 4) model.remove_extra_whitespaces = reader.varint() != 0;
    else if (wire == 0 && number == 5) model.escape_whitespaces = reader.varint() != 0;
    else reader.skip(wire);
  }
}

}  // namespace

SentencePieceModel parse_sentencepiece_model(const std::string& bytes, const std::string& file) {
  WireReader reader(bytes, file);
  SentencePieceModel model;
  while (!reader.done()) {
    uint32_t number, wire;
    reader.next_field(&number, &wire);
    if (number == 1 && wire == 2) model.pieces.push_back(read_piece(reader.length_delimited(), file));
    else if (number == 2 && wire == 2) read_trainer_spec(reader.length_delimited(), file, model);
    else if (number == 3 && wire == 2) read_normalizer_spec(reader.length_delimited(), file, model);
    else reader.skip(wire);
  }
  if (model.pieces.empty()) reader.fail("no pieces");
  return model;
}

}  // namespace anvil::tokenizers
