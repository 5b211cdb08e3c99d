#pragma once
// UTF-8 as the tokenizers see it: code points of valid text, and the repair
// of invalid bytes the way Python's bytes.decode("utf-8", errors=...) does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::tokenizers {

// Length of the well-formed sequence starting at s[i], or 0 when s[i] does not
// start one; then *invalid_length is the length of the maximal subpart of an
// ill-formed sequence (Unicode 3.9, what Python replaces by one U+FFFD).
size_t utf8_sequence_length(std::string_view s, size_t i, size_t* invalid_length);

// Offset of the first byte that is not well-formed UTF-8, or npos.
size_t first_invalid_utf8(std::string_view s);

// `s` with each maximal ill-formed subpart replaced by U+FFFD, and for each
// output byte the input offset it came from.
std::string replace_invalid_utf8(std::string_view s, std::vector<uint32_t>& origin);

// The code point at s[i] of valid UTF-8, and its length in *length.
char32_t decode_code_point(std::string_view s, size_t i, size_t* length);
void append_utf8(std::string& out, char32_t cp);
inline size_t utf8_length_of_lead(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

}  // namespace anvil::tokenizers
