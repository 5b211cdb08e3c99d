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

#include "data/text_lines.h"

namespace anvil::data {
namespace {

using Visit = std::function<void(std::string_view)>;

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r\v\f") == std::string::npos; }

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
  switch (source.delimiter) {
    case Delimiter::kBlankLine:
      return read_blank_line_separated(path, replace, visit);
    case Delimiter::kLine:
      return for_each_line(path, replace, [&](const std::string& line, int64_t) {
        if (!is_blank(line)) visit(line);
      });
    case Delimiter::kFile:
      return visit(read_whole_file(path, replace));  // never empty: empty files are errors
    case Delimiter::kSeparator:
      return split_at(read_whole_file(path, replace), source.separator, visit);
  }
}

void read_jsonl(const std::string& path, const DocumentSource& source, const Visit& visit) {
  const std::string& field = source.text_field;
  for_each_json_record(path, source.replace_invalid_utf8, [&](const nlohmann::ordered_json& record, int64_t number) {
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
  const bool txt = source.format == DocumentFormat::kTxt;
  if (txt && source.delimiter == Delimiter::kSeparator && source.separator.empty())
    throw std::runtime_error("empty delimiter for '" + source.path +
                             "': expected file, blank_line, line or a separator");
  // A plain path is opened as given, so a missing file reads as "cannot open" rather than as an empty glob.
  const auto files = has_wildcard(source.path) ? expand_glob(source.path) : std::vector<std::string>{source.path};
  for (const auto& file : files) {
    if (txt) {
      read_txt(file, source, visit);
    } else {
      read_jsonl(file, source, visit);
    }
  }
}

}  // namespace anvil::data
