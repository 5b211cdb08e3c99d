#pragma once
// Tables in text files: tsv (fields split at tabs, no quoting, as GLUE ships
// them) and csv (RFC 4180: fields in double quotes may hold commas, line
// breaks and "" for a quote). The first row is the header.
#include <cstdint>
#include <string>
#include <vector>

namespace anvil::data {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;  // the line each row starts on, for error messages

  // Index of column `name`; throws naming the file and the header's columns.
  size_t column(const std::string& name, const std::string& path) const;
};

// Reads `path` as csv when it ends in .csv, else as tsv. Throws naming the
// file and line for a row with another number of fields than the header, an
// unterminated quote, invalid UTF-8, or an empty file.
Table read_table(const std::string& path);

// One csv record from `text` starting at `pos`; advances `pos` past its line
// break. Throws std::invalid_argument for an unterminated quote.
std::vector<std::string> parse_csv_record(const std::string& text, size_t& pos);

}  // namespace anvil::data
