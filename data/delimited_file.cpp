#include "data/delimited_file.h"

#include <stdexcept>

#include "common/strings.h"
#include "data/text_lines.h"

namespace anvil::data {
using common::ends_with;

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

void add_row(Table& table, std::vector<std::string> fields, int64_t line, const std::string& path) {
  if (table.header.empty()) {
    table.header = std::move(fields);
    return;
  }
  if (fields.size() != table.header.size())
    throw error_at(path, line, std::to_string(fields.size()) + " fields, the header has " +
                                   std::to_string(table.header.size()));
  table.rows.push_back(std::move(fields));
  table.lines.push_back(line);
}

}  // namespace

size_t Table::column(const std::string& name, const std::string& path) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string columns;
  for (const auto& h : header) columns += (columns.empty() ? "" : ", ") + h;
  throw std::runtime_error("'" + path + "' has no column '" + name + "' (columns: " + columns + ")");
}

std::vector<std::string> parse_csv_record(const std::string& text, size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c != '"') fields.back() += c;
      else if (pos < text.size() && text[pos] == '"') fields.back() += text[pos++];  // "" inside quotes
      else quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
      return fields;
    } else {
      fields.back() += c;
    }
  }
  if (quoted) throw std::invalid_argument("unterminated quoted field");
  return fields;
}

Table read_table(const std::string& path) {
  Table table;
  if (ends_with(path, ".csv")) {
    const std::string text = read_whole_file(path, false);
    int64_t line = 1;
    for (size_t pos = 0; pos < text.size();) {
      const size_t start = pos;
      std::vector<std::string> fields;
      try {
        fields = parse_csv_record(text, pos);
      } catch (const std::invalid_argument& e) {
        throw error_at(path, line, e.what());
      }
      const bool blank = fields.size() == 1 && fields[0].empty();
      if (!blank) add_row(table, std::move(fields), line, path);
      for (size_t i = start; i < pos; ++i) line += text[i] == '\n';
    }
  } else {
    for_each_line(path, false, [&](const std::string& raw, int64_t line) {
      const std::string row = !raw.empty() && raw.back() == '\r' ? raw.substr(0, raw.size() - 1) : raw;
      if (!row.empty()) add_row(table, split_tabs(row), line, path);
    });
  }
  if (table.header.empty()) throw std::runtime_error("'" + path + "' has no header row");
  return table;
}

}  // namespace anvil::data
