#include "chat/value.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "chat/utf8.h"

namespace anvil::chat {

const Value* CallArgs::find(size_t position, const std::string& name) const {
  if (position < positional.size()) return &positional[position];
  for (const auto& [key, value] : keyword)
    if (key == name) return &value;
  return nullptr;
}

Value Value::undefined(std::string reason) {
  Value v;
  v.string_ = std::move(reason);
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value::Value(bool b) : kind_(Kind::Bool), bool_(b), int_(b) {}
Value::Value(int64_t i) : kind_(Kind::Int), int_(i) {}
Value::Value(double f) : kind_(Kind::Float), float_(f) {}
Value::Value(std::string s) : kind_(Kind::String), string_(std::move(s)) {}

Value Value::list(List items, bool tuple) {
  Value v;
  v.kind_ = Kind::List;
  v.tuple_ = tuple;
  v.list_ = std::make_shared<List>(std::move(items));
  return v;
}

Value Value::dict(Dict items) {
  Value v;
  v.kind_ = Kind::Dict;
  v.dict_ = std::make_shared<Dict>(std::move(items));
  return v;
}

Value Value::namespace_(Dict attributes) {
  Value v = dict(std::move(attributes));
  v.kind_ = Kind::Namespace;
  return v;
}

Value Value::function(std::string name, Function fn) {
  Value v;
  v.kind_ = Kind::Callable;
  v.string_ = std::move(name);
  v.function_ = std::make_shared<Function>(std::move(fn));
  return v;
}

namespace {

// Deeper data would overflow the stack converting it; no conversation needs it.
constexpr int kMaxJsonDepth = 256;

}  // namespace

Value Value::from_json(const nlohmann::ordered_json& json) { return from_json(json, 0); }

Value Value::from_json(const nlohmann::ordered_json& json, int depth) {
  if (depth > kMaxJsonDepth)
    throw EvalError("the data is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null: return none();
    case nlohmann::ordered_json::value_t::boolean: return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: return Value(static_cast<int64_t>(json.get<uint64_t>()));
    case nlohmann::ordered_json::value_t::number_float: return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List items;
      for (const auto& item : json) items.push_back(from_json(item, depth + 1));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict entries;
      for (const auto& [key, item] : json.items()) entries.emplace_back(Value(key), from_json(item, depth + 1));
      return dict(std::move(entries));
    }
    default: throw EvalError("a JSON value of an unsupported type");
  }
}

int64_t Value::as_int() const { return kind_ == Kind::Float ? static_cast<int64_t>(float_) : int_; }
double Value::as_float() const { return kind_ == Kind::Float ? float_ : static_cast<double>(int_); }

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return bool_;
    case Kind::Int: return int_ != 0;
    case Kind::Float: return float_ != 0;
    case Kind::String: return !string_.empty();
    case Kind::List: return !list_->empty();
    case Kind::Dict: return !dict_->empty();
    default: return true;
  }
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List: return tuple_ ? "tuple" : "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    default: return "function";
  }
}

void Value::fail_undefined() const { throw EvalError(string_.empty() ? "undefined value" : string_); }

const Value* Value::lookup(const Value& key) const {
  for (const auto& [k, v] : *dict_)
    if (equal(k, key)) return &v;
  return nullptr;
}

void Value::set_entry(const Value& key, Value value) const {
  for (auto& [k, v] : *dict_)
    if (equal(k, key)) {
      v = std::move(value);
      return;
    }
  dict_->emplace_back(key, std::move(value));
}

namespace {

bool sequences_equal(const List& a, const List& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!equal(a[i], b[i])) return false;
  return true;
}

bool dicts_equal(const Dict& a, const Dict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [key, value] : a) {
    const Value* other = nullptr;
    for (const auto& [k, v] : b)
      if (equal(k, key)) other = &v;
    if (!other || !equal(value, *other)) return false;
  }
  return true;
}

}  // namespace

bool equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.as_float() == b.as_float() && a.as_int() == b.as_int();
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String: return a.as_string() == b.as_string();
    case Value::Kind::List: return a.is_tuple() == b.is_tuple() && sequences_equal(a.items(), b.items());
    case Value::Kind::Dict: return dicts_equal(a.entries(), b.entries());
    default: return &a.entries() == &b.entries();
  }
}

bool less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Value::Kind::Float || b.kind() == Value::Kind::Float) return a.as_float() < b.as_float();
    return a.as_int() < b.as_int();
  }
  if (a.is_undefined()) a.fail_undefined();
  if (b.is_undefined()) b.fail_undefined();
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();  // UTF-8 order is code point order
  if (a.is_list() && b.is_list()) {
    const List &x = a.items(), &y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (less(x[i], y[i])) return true;
      if (less(y[i], x[i])) return false;
    }
    return x.size() < y.size();
  }
  throw EvalError("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

std::string python_float_repr(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f < 0 ? "-inf" : "inf";
  // The shortest digits that read back as F, as Python's repr chooses.
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, f);
    if (std::strtod(buffer, nullptr) == f) break;
  }
  std::string text(buffer);
  const size_t e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string mantissa = text.substr(0, e);
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits.push_back(c);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
  }
  if (exponent < 0) return out + "0." + std::string(-exponent - 1, '0') + digits;
  if (static_cast<int>(digits.size()) <= exponent + 1)
    return out + digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
  return out + digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
}

namespace {

std::string repr_string(const std::string& s) {
  const bool double_quotes = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char quote = double_quotes ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out += c;
    }
  }
  return out + quote;
}

std::string repr_list(const Value& value) {
  const List& items = value.items();
  std::string out = value.is_tuple() ? "(" : "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + to_repr(items[i]);
  if (value.is_tuple() && items.size() == 1) out += ",";
  return out + (value.is_tuple() ? ")" : "]");
}

std::string repr_dict(const Dict& entries) {
  std::string out = "{";
  for (size_t i = 0; i < entries.size(); ++i)
    out += (i ? ", " : "") + to_repr(entries[i].first) + ": " + to_repr(entries[i].second);
  return out + "}";
}

}  // namespace

std::string to_str(const Value& value) {
  return value.is_string() ? value.as_string() : value.is_undefined() ? std::string() : to_repr(value);
}

std::string to_repr(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Undefined: return "";
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return value.as_bool() ? "True" : "False";
    case Value::Kind::Int: return std::to_string(value.as_int());
    case Value::Kind::Float: return python_float_repr(value.as_float());
    case Value::Kind::String: return repr_string(value.as_string());
    case Value::Kind::List: return repr_list(value);
    case Value::Kind::Dict: return repr_dict(value.entries());
    case Value::Kind::Namespace: return "<Namespace " + repr_dict(value.entries()) + ">";
    default: return "<function " + value.function_name() + ">";
  }
}

List iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::List: return value.items();
    case Value::Kind::Dict: {
      List keys;
      for (const auto& entry : value.entries()) keys.push_back(entry.first);
      return keys;
    }
    case Value::Kind::String: {
      List chars;
      for (char32_t c : decode_utf8(value.as_string())) {
        std::string one;
        append_utf8(one, c);
        chars.emplace_back(std::move(one));
      }
      return chars;
    }
    default: throw EvalError("'" + value.type_name() + "' object is not iterable");
  }
}

int64_t length(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Undefined: return 0;
    case Value::Kind::String: return static_cast<int64_t>(count_code_points(value.as_string()));
    case Value::Kind::List: return static_cast<int64_t>(value.items().size());
    case Value::Kind::Dict: return static_cast<int64_t>(value.entries().size());
    default: throw EvalError("object of type '" + value.type_name() + "' has no len()");
  }
}

}  // namespace anvil::chat
