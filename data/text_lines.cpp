#include "data/text_lines.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "common/json_depth.h"

namespace anvil::data {

size_t find_invalid_utf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > n) return i;
    for (size_t k = 1; k < len; ++k)
      if ((s[i + k] & 0xC0) != 0x80) return i;
    // Overlong encodings and surrogates are invalid UTF-8 too.
    if (len == 2 && c < 0xC2) return i;
    if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0))) return i;
    if (len == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || c > 0xF4 || (c == 0xF4 && s[i + 1] >= 0x90)))
      return i;
    i += len;
  }
  return std::string::npos;
}

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Copies `text` with each invalid sequence (a bad byte and the continuation
// bytes trailing it) turned into one U+FFFD; `first_bad` is where the first one starts.
std::string replace_invalid_utf8(const std::string& text, size_t first_bad) {
  std::string out = text.substr(0, first_bad);
  size_t i = first_bad;
  while (i < text.size()) {
    // No UTF-8 sequence is longer than 4 bytes, so 4 bytes decide whether the one at i is valid.
    if (find_invalid_utf8(text.substr(i, 4)) == 0) {
      out += kReplacementCharacter;
      for (++i; i < text.size() && is_continuation_byte(text[i]); ++i) {
      }
      continue;
    }
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    out.append(text, i, length);
    i += length;
  }
  return out;
}

// `text`, which starts at `line` and byte `offset` of `path`, as valid UTF-8:
// repaired when `replace` is set, otherwise rejected at its first bad byte.
std::string valid_utf8(std::string text, const std::string& path, int64_t line, size_t offset, bool replace) {
  const size_t bad = find_invalid_utf8(text);
  if (bad == std::string::npos) return text;
  if (replace) return replace_invalid_utf8(text, bad);
  const auto bad_line = line + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
  throw error_at(path, bad_line, "invalid UTF-8 at byte " + std::to_string(offset + bad));
}

// A UTF-8 byte order mark says only that the file is UTF-8: it is not text.
void strip_byte_order_mark(std::string& text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
}

std::ifstream open_nonempty(const std::string& path) {
  // A directory opens fine as a stream and then reads as empty, which would be a misleading message.
  if (std::filesystem::is_directory(path)) throw std::runtime_error("'" + path + "' is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  if (in.peek() == std::ifstream::traits_type::eof()) throw std::runtime_error("'" + path + "' is empty");
  return in;
}

}  // namespace

std::runtime_error error_at(const std::string& path, int64_t line, const std::string& what) {
  return std::runtime_error(path + ":" + std::to_string(line) + ": " + what);
}

std::string read_whole_file(const std::string& path, bool replace) {
  std::ifstream in = open_nonempty(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  strip_byte_order_mark(text);
  return valid_utf8(std::move(text), path, 1, 0, replace);
}

namespace {

// The lines of a gzip file, decompressed as they are read (zlib): a truncated
// or corrupt file is an error naming it, never a short read taken for the end.
void for_each_gzip_line(const std::string& path, const std::function<void(std::string&)>& visit) {
  open_nonempty(path);
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  std::string pending;
  char buffer[1 << 16];
  try {
    while (true) {
      const int n = gzread(file, buffer, sizeof buffer);
      if (n < 0) {
        int code = 0;
        throw std::runtime_error("cannot read '" + path + "' as gzip: " + gzerror(file, &code));
      }
      if (n == 0) {
        // gzread takes a cut-off file for its end and only records the error (Z_BUF_ERROR).
        int code = Z_OK;
        const char* message = gzerror(file, &code);
        if (code != Z_OK) throw std::runtime_error("cannot read '" + path + "' as gzip: " + message + " (cut off?)");
        break;
      }
      pending.append(buffer, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
        std::string line = pending.substr(start, end - start);
        visit(line);
      }
      pending.erase(0, start);
    }
    if (!pending.empty()) visit(pending);
  } catch (...) {
    gzclose(file);
    throw;
  }
  gzclose(file);
}

}  // namespace

// Calls `visit` with each line of `path` (without its '\n') and its 1-based
// number, one line in memory at a time; a .gz file is decompressed first.
void for_each_line(const std::string& path, bool replace,
                   const std::function<void(const std::string&, int64_t)>& visit) {
  int64_t number = 0;
  size_t offset = 0;
  const auto next = [&](std::string& line) {
    ++number;
    const size_t next_offset = offset + line.size() + 1;
    if (number == 1) strip_byte_order_mark(line);
    visit(valid_utf8(std::move(line), path, number, offset, replace), number);
    offset = next_offset;
  };
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) return for_each_gzip_line(path, next);
  std::ifstream in = open_nonempty(path);
  std::string line;
  while (std::getline(in, line)) next(line);
  if (in.bad()) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
}

std::string field_names(const nlohmann::ordered_json& object) {
  std::string names;
  for (const auto& item : object.items()) names += (names.empty() ? "" : ", ") + item.key();
  return names;
}

void for_each_json_record(const std::string& path, bool replace,
                          const std::function<void(const nlohmann::ordered_json&, int64_t)>& visit) {
  for_each_line(path, replace, [&](const std::string& line, int64_t number) {
    if (line.find_first_not_of(" \t\r\v\f") == std::string::npos) return;
    nlohmann::ordered_json record;  // in the file's key order, as Python reads it: templates' tojson keeps it
    if (common::json_depth(line) > common::kMaxJsonDepth)
      throw error_at(path, number, "JSON nested more than " + std::to_string(common::kMaxJsonDepth) + " levels deep");
    try {
      record = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw error_at(path, number, std::string("not valid JSON: ") + e.what());
    }
    if (!record.is_object())
      throw error_at(path, number, std::string("expected a JSON object, got ") + record.type_name());
    visit(record, number);
  });
}

}  // namespace anvil::data
