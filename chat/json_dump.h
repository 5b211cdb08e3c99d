#pragma once
// Python's json.dumps, as transformers' tojson filter calls it.
#include <optional>
#include <string>

#include "chat/value.h"

namespace anvil::chat {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // nullopt: one line
  std::optional<std::string> item_separator, key_separator;  // nullopt: Python's defaults
  bool sort_keys = false;
};

std::string json_dumps(const Value& value, const JsonDumpOptions& options);

}  // namespace anvil::chat
