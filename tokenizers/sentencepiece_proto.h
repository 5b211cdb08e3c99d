#pragma once
// The parts of sentencepiece's ModelProto (sentencepiece_model.proto) that
// the conversion to a BPE pipeline reads, from the protobuf wire format.
#include <cstdint>
#include <string>
#include <vector>

namespace anvil::tokenizers {

struct SentencePieceModel {
  enum class PieceType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };
  struct Piece {
    std::string piece;
    float score = 0;
    PieceType type = PieceType::kNormal;
  };
  std::vector<Piece> pieces;
  // TrainerSpec (defaults as the .proto declares them).
  int model_type = 1;  // 1 unigram, 2 BPE, 3 word, 4 char
  bool byte_fallback = false;
  int32_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  std::string unk_piece = "<unk>";
  // NormalizerSpec.
  std::string precompiled_charsmap;
  bool add_dummy_prefix = true, remove_extra_whitespaces = true, escape_whitespaces = true;
};

// Throws std::runtime_error naming `file` when the bytes are not a ModelProto.
SentencePieceModel parse_sentencepiece_model(const std::string& bytes, const std::string& file);

}  // namespace anvil::tokenizers
