#include "tokenizers/piece.h"

#include <utility>

namespace anvil::tokenizers {

Piece Piece::slice(size_t begin, size_t end) const {
  Piece out;
  out.text = text.substr(begin, end - begin);
  out.byte_level = byte_level;
  if (origin.empty()) {
    out.base = base + static_cast<uint32_t>(begin);
  } else {
    out.origin.assign(origin.begin() + static_cast<std::ptrdiff_t>(begin),
                      origin.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

void PieceBuilder::copy(size_t begin, size_t end) {
  out_.text.append(source_.text, begin, end - begin);
  for (size_t i = begin; i < end; ++i) out_.origin.push_back(source_.origin_of(i));
}

void PieceBuilder::insert(std::string_view bytes, uint32_t origin) {
  out_.text.append(bytes);
  out_.origin.insert(out_.origin.end(), bytes.size(), origin);
}

Piece PieceBuilder::finish() {
  // An unchanged run of the input keeps the cheap form.
  bool contiguous = true;
  for (size_t i = 1; i < out_.origin.size() && contiguous; ++i) contiguous = out_.origin[i] == out_.origin[i - 1] + 1;
  if (contiguous && !out_.origin.empty()) {
    out_.base = out_.origin.front();
    out_.origin.clear();
  }
  return std::move(out_);
}

}  // namespace anvil::tokenizers
