#pragma once
// GPT-2's byte-to-character table: each byte stands for a printable
// character, so byte-level vocabularies are strings of those characters.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace anvil::tokenizers {

// The character (as UTF-8) byte b stands for.
const std::array<std::string, 256>& byte_level_chars();
// `bytes` spelled in byte-level characters.
std::string to_byte_level(std::string_view bytes);
// The bytes a byte-level string stands for; false (and `bytes` untouched)
// when a character is not in the table.
bool from_byte_level(std::string_view text, std::string& bytes);

}  // namespace anvil::tokenizers
