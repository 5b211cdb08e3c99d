#pragma once
// Reading text corpora from disk with errors that name the file and position.
#include <string>

namespace anvil::data {

// The whole file as UTF-8 text. Throws std::runtime_error naming the file when
// it is missing, unreadable or empty, and the line and byte offset of the first
// invalid UTF-8 sequence.
std::string read_text_file(const std::string& path);

// Byte offset of the first invalid UTF-8 sequence in `text`, or npos if valid.
size_t find_invalid_utf8(const std::string& text);

}  // namespace anvil::data
