#pragma once
// A piece of the text on its way through the pipeline, with the input byte
// each of its bytes came from, so token offsets point into the caller's text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::tokenizers {

struct Piece {
  std::string text;
  // origin[i] is the input offset of text[i]; empty while the piece is an
  // unchanged slice of the input, whose byte i came from base + i.
  std::vector<uint32_t> origin;
  uint32_t base = 0;
  // Set by the ByteLevel pre-tokenizer: the model reads the raw bytes through
  // the byte-to-character table instead of the text's own characters.
  bool byte_level = false;

  uint32_t origin_of(size_t i) const { return origin.empty() ? base + static_cast<uint32_t>(i) : origin[i]; }
  Piece slice(size_t begin, size_t end) const;
};

// Builds a piece from spans of another and inserted bytes.
class PieceBuilder {
 public:
  explicit PieceBuilder(const Piece& source) : source_(source) { out_.byte_level = source.byte_level; }
  void copy(size_t begin, size_t end);                     // source bytes [begin, end) unchanged
  void insert(std::string_view bytes, uint32_t origin);    // new bytes, all from input offset `origin`
  Piece finish();

 private:
  const Piece& source_;
  Piece out_;
};

}  // namespace anvil::tokenizers
