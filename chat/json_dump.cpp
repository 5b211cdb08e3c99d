#include "chat/json_dump.h"

#include <algorithm>
#include <cstdio>

#include "chat/utf8.h"

namespace anvil::chat {
namespace {

void append_escape(std::string& out, char32_t c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
  out += buffer;
}

std::string quote(const std::string& s, bool ensure_ascii) {
  std::string out = "\"";
  for (char32_t c : decode_utf8(s)) {
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20 || (ensure_ascii && c >= 0x7F)) {
      if (c >= 0x10000) {  // a surrogate pair, as Python writes it
        const char32_t v = c - 0x10000;
        append_escape(out, 0xD800 + (v >> 10));
        append_escape(out, 0xDC00 + (v & 0x3FF));
      } else {
        append_escape(out, c);
      }
    } else {
      append_utf8(out, c);
    }
  }
  return out + "\"";
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& options)
      : options_(options),
        item_separator_(options.item_separator.value_or(options.indent ? "," : ", ")),
        key_separator_(options.key_separator.value_or(": ")) {}

  void dump(const Value& value, int depth) {
    switch (value.kind()) {
      case Value::Kind::None: out_ += "null"; return;
      case Value::Kind::Bool: out_ += value.as_bool() ? "true" : "false"; return;
      case Value::Kind::Int: out_ += std::to_string(value.as_int()); return;
      case Value::Kind::Float: out_ += float_text(value.as_float()); return;
      case Value::Kind::String: out_ += quote(value.as_string(), options_.ensure_ascii); return;
      case Value::Kind::List: return dump_list(value.items(), depth);
      case Value::Kind::Dict: return dump_dict(value.entries(), depth);
      default: throw EvalError("Object of type " + value.type_name() + " is not JSON serializable");
    }
  }

  std::string take() { return std::move(out_); }

 private:
  static std::string float_text(double f) {
    const std::string repr = python_float_repr(f);
    if (repr == "nan") return "NaN";
    if (repr == "inf") return "Infinity";
    if (repr == "-inf") return "-Infinity";
    return repr;
  }

  // Before an item: the separator, then with an indent a new line.
  void begin_item(bool first, int depth) {
    if (!first) out_ += item_separator_;
    if (options_.indent) newline(depth);
  }

  void newline(int depth) {
    out_ += "\n";
    for (int i = 0; i < depth; ++i) out_ += *options_.indent;
  }

  void dump_list(const List& items, int depth) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_ += "[";
    for (size_t i = 0; i < items.size(); ++i) {
      begin_item(i == 0, depth + 1);
      dump(items[i], depth + 1);
    }
    if (options_.indent) newline(depth);
    out_ += "]";
  }

  static std::string key_text(const Value& key) {
    switch (key.kind()) {
      case Value::Kind::String: return key.as_string();
      case Value::Kind::None: return "null";
      case Value::Kind::Bool: return key.as_bool() ? "true" : "false";
      case Value::Kind::Int: return std::to_string(key.as_int());
      case Value::Kind::Float: return float_text(key.as_float());
      default: throw EvalError("keys must be str, int, float, bool or None, not " + key.type_name());
    }
  }

  void dump_dict(const Dict& entries, int depth) {
    if (entries.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<std::pair<std::string, const Value*>> items;
    for (const auto& [key, value] : entries) items.emplace_back(key_text(key), &value);
    if (options_.sort_keys)
      std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out_ += "{";
    for (size_t i = 0; i < items.size(); ++i) {
      begin_item(i == 0, depth + 1);
      out_ += quote(items[i].first, options_.ensure_ascii) + key_separator_;
      dump(*items[i].second, depth + 1);
    }
    if (options_.indent) newline(depth);
    out_ += "}";
  }

  const JsonDumpOptions& options_;
  std::string item_separator_, key_separator_;
  std::string out_;
};

}  // namespace

std::string json_dumps(const Value& value, const JsonDumpOptions& options) {
  Dumper dumper(options);
  dumper.dump(value, 0);
  return dumper.take();
}

}  // namespace anvil::chat
