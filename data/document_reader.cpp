#include "data/document_reader.h"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "data/text_file.h"

namespace anvil::data {
namespace {

using Visit = std::function<void(std::string_view)>;

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

std::runtime_error error_at(const std::string& path, int64_t line, const std::string& what) {
  return std::runtime_error(path + ":" + std::to_string(line) + ": " + what);
}

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r\v\f") == std::string::npos; }

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

std::ifstream open_nonempty(const std::string& path) {
  // A directory opens fine as a stream and then reads as empty, which would be a misleading message.
  if (std::filesystem::is_directory(path)) throw std::runtime_error("'" + path + "' is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  if (in.peek() == std::ifstream::traits_type::eof()) throw std::runtime_error("'" + path + "' is empty");
  return in;
}

std::string read_whole_file(const std::string& path, bool replace) {
  std::ifstream in = open_nonempty(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return valid_utf8(buffer.str(), path, 1, 0, replace);
}

// Calls `visit` with each line of `path` (without its '\n') and its 1-based
// number, one line in memory at a time.
void for_each_line(const std::string& path, bool replace,
                   const std::function<void(const std::string&, int64_t)>& visit) {
  std::ifstream in = open_nonempty(path);
  std::string line;
  int64_t number = 0;
  size_t offset = 0;
  while (std::getline(in, line)) {
    ++number;
    const size_t next_offset = offset + line.size() + 1;
    visit(valid_utf8(std::move(line), path, number, offset, replace), number);
    offset = next_offset;
  }
  if (in.bad()) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
}

void split_at(const std::string& text, const std::string& separator, const Visit& visit) {
  const std::string_view rest(text);
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t end = std::min(rest.find(separator, start), rest.size());
    const std::string_view piece = rest.substr(start, end - start);
    // Whitespace between separators (e.g. the newline after the last one) is no document.
    if (piece.find_first_not_of(" \t\r\n\v\f") != std::string_view::npos) visit(piece);
    start = end + separator.size();
  }
}

// Documents are runs of non-blank lines; WikiText separates them with lines of a single space.
void read_blank_line_separated(const std::string& path, bool replace, const Visit& visit) {
  std::string document;
  for_each_line(path, replace, [&](const std::string& line, int64_t) {
    if (is_blank(line)) {
      if (!document.empty()) visit(document);
      document.clear();
      return;
    }
    if (!document.empty()) document += '\n';
    document += line;
  });
  if (!document.empty()) visit(document);
}

void read_txt(const std::string& path, const DocumentSource& source, const Visit& visit) {
  const bool replace = source.replace_invalid_utf8;
  if (source.delimiter == "blank_line") {
    read_blank_line_separated(path, replace, visit);
  } else if (source.delimiter == "line") {
    for_each_line(path, replace, [&](const std::string& line, int64_t) {
      if (!is_blank(line)) visit(line);
    });
  } else if (source.delimiter == "file") {
    visit(read_whole_file(path, replace));  // never empty: empty files are errors
  } else {
    split_at(read_whole_file(path, replace), source.delimiter, visit);
  }
}

std::string field_names(const nlohmann::json& object) {
  std::string names;
  for (const auto& item : object.items()) names += (names.empty() ? "" : ", ") + item.key();
  return names;
}

void read_jsonl(const std::string& path, const DocumentSource& source, const Visit& visit) {
  const std::string& field = source.text_field;
  for_each_line(path, source.replace_invalid_utf8, [&](const std::string& line, int64_t number) {
    if (is_blank(line)) return;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw error_at(path, number, std::string("not valid JSON: ") + e.what());
    }
    if (!record.is_object())
      throw error_at(path, number, std::string("expected a JSON object, got ") + record.type_name());
    const auto text = record.find(field);
    if (text == record.end())
      throw error_at(path, number, "no field '" + field + "' (fields: " + field_names(record) + ")");
    if (!text->is_string())
      throw error_at(path, number, "field '" + field + "' is not a string: it is " + text->type_name());
    const auto& document = text->get_ref<const std::string&>();
    if (!document.empty()) visit(document);
  });
}

bool has_wildcard(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

}  // namespace

std::vector<std::string> expand_glob(const std::string& pattern) {
  glob_t matches{};
  // GLOB_MARK appends '/' to directories, which lets them be left out below.
  const int status = glob(pattern.c_str(), GLOB_MARK | GLOB_NOSORT, nullptr, &matches);
  std::vector<std::string> files;
  if (status == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      const std::string path = matches.gl_pathv[i];
      if (path.back() != '/') files.push_back(path);
    }
  }
  globfree(&matches);
  if (status != 0 && status != GLOB_NOMATCH)
    throw std::runtime_error("cannot expand '" + pattern + "': glob failed with status " + std::to_string(status));
  if (files.empty()) throw std::runtime_error("no file matches '" + pattern + "'");
  // Byte order rather than glob's locale collation, so the order is the same everywhere.
  std::sort(files.begin(), files.end());
  return files;
}

void read_documents(const DocumentSource& source, const std::function<void(std::string_view)>& visit) {
  if (source.format != "txt" && source.format != "jsonl")
    throw std::runtime_error("unknown document format '" + source.format + "' for '" + source.path +
                             "': expected txt or jsonl");
  if (source.format == "txt" && source.delimiter.empty())
    throw std::runtime_error("empty delimiter for '" + source.path +
                             "': expected file, blank_line, line or a separator");
  // A plain path is opened as given, so a missing file reads as "cannot open" rather than as an empty glob.
  const auto files = has_wildcard(source.path) ? expand_glob(source.path) : std::vector<std::string>{source.path};
  for (const auto& file : files) {
    if (source.format == "txt") {
      read_txt(file, source, visit);
    } else {
      read_jsonl(file, source, visit);
    }
  }
}

}  // namespace anvil::data
