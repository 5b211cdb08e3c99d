// The line-based readers: the first byte picks jsonl, plain lines, tsv or csv
// (with or without replacing invalid UTF-8); the rest is the file.
#include <nlohmann/json.hpp>

#include "data/delimited_file.h"
#include "data/record_fields.h"
#include "data/text_lines.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t choice = data[0];
  const bool replace = choice & 4;
  static const char* kNames[] = {"fuzz.jsonl", "fuzz.txt", "fuzz.tsv", "fuzz.csv"};
  const auto path = anvil::fuzz::input_file(data + 1, size - 1, kNames[choice & 3]);
  anvil::fuzz::expect_no_crash([&] {
    switch (choice & 3) {
      case 0:
        anvil::data::for_each_json_record(path, replace, [&](const nlohmann::ordered_json& record, int64_t line) {
          anvil::data::field_names(record);
          if (record.contains("text")) anvil::data::string_field(record, "text", path, line);
        });
        break;
      case 1:
        anvil::data::for_each_line(path, replace, [](const std::string&, int64_t) {});
        break;
      default: {
        const auto table = anvil::data::read_table(path);
        if (!table.header.empty()) table.column(table.header[0], path);
      }
    }
  });
  return 0;
}
