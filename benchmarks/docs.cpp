#include "benchmarks/docs.h"

#include <stdexcept>
#include <string>

#include "common/json_depth.h"
#include "common/read_file.h"
#include "common/strings.h"

namespace anvil::benchmarks {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// Parses one JSON text, refusing nesting deep enough to exhaust the stack later.
Doc parse_doc_text(const std::string& text, const std::string& where) {
  if (common::json_depth(text) > common::kMaxJsonDepth)
    throw std::runtime_error(where + ": JSON nested more than " + std::to_string(common::kMaxJsonDepth) +
                             " levels deep");
  return Doc::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::vector<Doc> read_json_lines(const std::string& path) {
  std::vector<Doc> docs;
  const auto lines = lines_of(common::read_file(path));
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ", line " + std::to_string(i + 1);
    Doc doc = parse_doc_text(lines[i], where);
    if (!doc.is_object()) throw std::runtime_error(where + ": expected a JSON object");
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::vector<Doc> read_json_array(const std::string& path) {
  const Doc all = parse_doc_text(common::read_file(path), path);
  if (!all.is_array()) throw std::runtime_error(path + ": expected a JSON array of objects");
  std::vector<Doc> docs;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].is_object())
      throw std::runtime_error(path + ": item " + std::to_string(i) + " is not a JSON object");
    docs.push_back(all[i]);
  }
  return docs;
}

// A label line as the dataset's loader reads it: an integer where it is one.
Doc label_value(const std::string& line) {
  const size_t first = line.find_first_not_of(" \t");
  const std::string text = first == std::string::npos ? "" : line.substr(first, line.find_last_not_of(" \t") - first + 1);
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return std::stoll(text);
  return text;
}

}  // namespace

std::vector<Doc> read_docs(const DocFiles& files) {
  auto docs = common::ends_with(files.path, ".json") ? read_json_array(files.path) : read_json_lines(files.path);
  if (docs.empty()) throw std::runtime_error(files.path + ": no documents");
  if (files.labels_path.empty()) return docs;
  auto labels = lines_of(common::read_file(files.labels_path));
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.size() != docs.size())
    throw std::runtime_error(files.labels_path + ": " + std::to_string(labels.size()) + " labels for the " +
                             std::to_string(docs.size()) + " documents of " + files.path);
  for (size_t i = 0; i < docs.size(); ++i) docs[i][files.label_field] = label_value(labels[i]);
  return docs;
}

}  // namespace anvil::benchmarks
