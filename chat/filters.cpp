#include "chat/filters.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "chat/access.h"
#include "chat/formatting.h"
#include "chat/json_dump.h"
#include "chat/operators.h"
#include "chat/python_str.h"
#include "chat/tests.h"
#include "chat/utf8.h"

namespace anvil::chat {
namespace {

using Filter = Value (*)(const Value& value, const CallArgs& args);

const Value* arg(const CallArgs& args, size_t position, const char* name) { return args.find(position, name); }

bool flag(const CallArgs& args, size_t position, const char* name) {
  const Value* v = arg(args, position, name);
  return v && v->truthy();
}

// jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0.
Value lookup_path(const Value& item, const Value& attribute) {
  if (!attribute.is_string()) return get_item(item, attribute);
  Value current = item;
  for (const std::string& part : py_split(attribute.as_string(), std::string("."), -1)) {
    const bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    current = get_item(current, digits ? Value(static_cast<int64_t>(std::stoll(part))) : Value(part));
  }
  return current;
}

// The attribute named by argument (POSITION, NAME) of each item, or the items.
List keys_of(const List& items, const CallArgs& args, size_t position, const char* name) {
  const Value* attribute = arg(args, position, name);
  if (!attribute || attribute->is_none()) return items;
  List keys;
  for (const Value& item : items) keys.push_back(lookup_path(item, *attribute));
  return keys;
}

// What sort, unique, min and max compare: strings lowercased unless case_sensitive.
Value comparison_key(const Value& key, bool case_sensitive) {
  return key.is_string() && !case_sensitive ? Value(py_lower(key.as_string())) : key;
}

Value do_sort(const Value& value, const CallArgs& args) {
  const List items = iterate(value);
  const List keys = keys_of(items, args, 2, "attribute");
  const bool reverse = flag(args, 0, "reverse"), case_sensitive = flag(args, 1, "case_sensitive");
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Value ka = comparison_key(keys[a], case_sensitive), kb = comparison_key(keys[b], case_sensitive);
    return reverse ? less(kb, ka) : less(ka, kb);
  });
  List sorted;
  for (size_t i : order) sorted.push_back(items[i]);
  return Value::list(std::move(sorted));
}

Value do_unique(const Value& value, const CallArgs& args) {
  const List items = iterate(value);
  const List keys = keys_of(items, args, 1, "attribute");
  const bool case_sensitive = flag(args, 0, "case_sensitive");
  List seen, unique;
  for (size_t i = 0; i < items.size(); ++i) {
    const Value key = comparison_key(keys[i], case_sensitive);
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equal(s, key); })) continue;
    seen.push_back(key);
    unique.push_back(items[i]);
  }
  return Value::list(std::move(unique));
}

Value extreme(const Value& value, const CallArgs& args, bool largest) {
  const List items = iterate(value);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  const List keys = keys_of(items, args, 1, "attribute");
  const bool case_sensitive = flag(args, 0, "case_sensitive");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const Value k = comparison_key(keys[i], case_sensitive), b = comparison_key(keys[best], case_sensitive);
    if (largest ? less(b, k) : less(k, b)) best = i;
  }
  return items[best];
}

Value do_sum(const Value& value, const CallArgs& args) {
  const Value* start = arg(args, 1, "start");
  Value total = start ? *start : Value(0);
  for (const Value& key : keys_of(iterate(value), args, 0, "attribute")) total = binary_operation("+", total, key);
  return total;
}

// select, reject, selectattr, rejectattr: keep the items whose (attribute)
// passes the named test, or is truthy when no test is named.
Value select_items(const Value& value, const CallArgs& args, bool by_attribute, bool keep) {
  const size_t test_at = by_attribute ? 1 : 0;
  if (by_attribute && args.positional.empty()) throw EvalError("selectattr/rejectattr take an attribute");
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + std::min(args.positional.size(), test_at + 1),
                              args.positional.end());
  List kept;
  for (const Value& item : iterate(value)) {
    const Value subject = by_attribute ? lookup_path(item, args.positional[0]) : item;
    const bool passes = args.positional.size() > test_at
                            ? apply_test(to_str(args.positional[test_at]), subject, test_args)
                            : subject.truthy();
    if (passes == keep) kept.push_back(item);
  }
  return Value::list(std::move(kept));
}

Value do_map(const Value& value, const CallArgs& args) {
  List mapped;
  if (args.positional.empty()) {
    const Value* attribute = arg(args, 99, "attribute");
    if (!attribute) throw EvalError("map takes a filter name or attribute=");
    const Value* fallback = arg(args, 99, "default");
    for (const Value& item : iterate(value)) {
      Value v = lookup_path(item, *attribute);
      mapped.push_back(v.is_undefined() && fallback ? *fallback : v);
    }
    return Value::list(std::move(mapped));
  }
  CallArgs filter_args{List(args.positional.begin() + 1, args.positional.end()), args.keyword};
  const std::string filter = to_str(args.positional[0]);
  for (const Value& item : iterate(value)) mapped.push_back(apply_filter(filter, item, filter_args));
  return Value::list(std::move(mapped));
}

Value do_join(const Value& value, const CallArgs& args) {
  const Value* separator = arg(args, 0, "d");
  const std::string sep = separator ? to_str(*separator) : "";
  std::string out;
  bool first = true;
  for (const Value& item : keys_of(iterate(value), args, 1, "attribute")) {
    if (!first) out += sep;
    out += to_str(item);
    first = false;
  }
  return Value(out);
}

Value do_tojson(const Value& value, const CallArgs& args) {
  JsonDumpOptions options;
  options.ensure_ascii = flag(args, 0, "ensure_ascii");
  if (const Value* indent = arg(args, 1, "indent"); indent && !indent->is_none())
    options.indent = indent->is_string() ? indent->as_string() : std::string(std::max<int64_t>(0, indent->as_int()), ' ');
  if (const Value* separators = arg(args, 2, "separators"); separators && !separators->is_none()) {
    if (!separators->is_list() || separators->items().size() != 2) throw EvalError("separators must be a pair");
    options.item_separator = to_str(separators->items()[0]);
    options.key_separator = to_str(separators->items()[1]);
  }
  options.sort_keys = flag(args, 3, "sort_keys");
  return Value(json_dumps(value, options));
}

Value do_default(const Value& value, const CallArgs& args) {
  const Value* fallback = arg(args, 0, "default_value");
  const bool use_fallback = value.is_undefined() || (flag(args, 1, "boolean") && !value.truthy());
  return use_fallback ? (fallback ? *fallback : Value("")) : value;
}

Value do_replace(const Value& value, const CallArgs& args) {
  const Value *old = arg(args, 0, "old"), *replacement = arg(args, 1, "new"), *count = arg(args, 2, "count");
  if (!old || !replacement) throw EvalError("replace takes the old and the new text");
  const int64_t n = count && !count->is_none() ? count->as_int() : -1;
  return Value(py_replace(to_str(value), to_str(*old), to_str(*replacement), n));
}

Value do_items(const Value& value, const CallArgs&) {
  if (value.is_undefined()) return Value::list({});
  if (!value.is_dict()) throw EvalError("Can only get item pairs from a mapping.");
  List pairs;
  for (const auto& [key, item] : value.entries()) pairs.push_back(Value::list({key, item}, true));
  return Value::list(std::move(pairs));
}

Value do_reverse(const Value& value, const CallArgs&) {
  if (value.is_string()) {
    std::u32string chars = decode_utf8(value.as_string());
    std::reverse(chars.begin(), chars.end());
    return Value(encode_utf8(chars));
  }
  List items = iterate(value);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

// Python's int() and float() of a string: surrounding whitespace allowed.
std::optional<int64_t> parse_int(const std::string& text) {
  const std::string s = py_strip(text, std::nullopt, true, true);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end || s.find_first_of(" \t.eExX") != std::string::npos) return std::nullopt;
  return v;
}

std::optional<double> parse_float(const std::string& text) {
  const std::string s = py_strip(text, std::nullopt, true, true);
  if (s.empty() || s.find_first_of("xX") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (*end) return std::nullopt;
  return v;
}

Value do_int(const Value& value, const CallArgs& args) {
  const Value* fallback = arg(args, 0, "default");
  if (value.is_number()) return Value(value.as_int());
  if (value.is_string()) {
    if (auto i = parse_int(value.as_string())) return Value(*i);
    if (auto f = parse_float(value.as_string()); f && std::isfinite(*f)) return Value(static_cast<int64_t>(*f));
  }
  return fallback ? *fallback : Value(0);
}

Value do_float(const Value& value, const CallArgs& args) {
  const Value* fallback = arg(args, 0, "default");
  if (value.is_number()) return Value(value.as_float());
  if (value.is_string())
    if (auto f = parse_float(value.as_string())) return Value(*f);
  return fallback ? *fallback : Value(0.0);
}

Value do_round(const Value& value, const CallArgs& args) {
  if (!value.is_number()) throw EvalError("round takes a number");
  const Value* precision_arg = arg(args, 0, "precision");
  const int64_t precision = precision_arg ? precision_arg->as_int() : 0;
  const Value* method_arg = arg(args, 1, "method");
  const std::string method = method_arg ? to_str(*method_arg) : "common";
  if (method == "common") {
    if (value.kind() != Value::Kind::Float && precision >= 0) return Value(value.as_int());
    // printf rounds the exact binary value half to even, as Python's round does.
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, "%.*f", static_cast<int>(std::max<int64_t>(precision, 0)), value.as_float());
    return Value(std::strtod(buffer, nullptr));
  }
  if (method != "ceil" && method != "floor") throw EvalError("method must be common, ceil or floor");
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = value.as_float() * scale;
  return Value((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

Value do_abs(const Value& value, const CallArgs&) {
  if (!value.is_number()) throw EvalError("bad operand type for abs(): '" + value.type_name() + "'");
  if (value.kind() == Value::Kind::Float) return Value(std::fabs(value.as_float()));
  return Value(static_cast<int64_t>(std::llabs(value.as_int())));
}

Value do_indent(const Value& value, const CallArgs& args) {
  const Value* width = arg(args, 0, "width");
  const std::string indentation =
      !width ? "    " : width->is_string() ? width->as_string() : std::string(std::max<int64_t>(0, width->as_int()), ' ');
  const bool first = flag(args, 1, "first"), blank = flag(args, 2, "blank");
  // jinja2 appends a newline before splitting, so a trailing newline survives.
  const std::vector<std::string> lines = py_splitlines(to_str(value) + "\n");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    if (i > 0 && (blank || !lines[i].empty())) out += indentation;
    out += lines[i];
  }
  return Value(first ? indentation + out : out);
}

Value do_wordcount(const Value& value, const CallArgs&) {
  int64_t words = 0;
  bool in_word = false;
  for (unsigned char c : to_str(value)) {
    const bool word_char = std::isalnum(c) || c == '_' || c >= 0x80;
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value(words);
}

Value do_trim(const Value& value, const CallArgs& args) {
  const Value* chars = arg(args, 0, "chars");
  std::optional<std::string> set;
  if (chars && !chars->is_none()) set = to_str(*chars);
  return Value(py_strip(to_str(value), set, true, true));
}

Value first_or_last(const Value& value, bool last) {
  const List items = iterate(value);
  if (items.empty()) return Value::undefined(std::string("No ") + (last ? "last" : "first") + " item, sequence was empty.");
  return last ? items.back() : items.front();
}

const std::map<std::string, Filter>& filters() {
  static const std::map<std::string, Filter> table = {
      {"trim", do_trim},
      {"tojson", do_tojson},
      {"length", [](const Value& v, const CallArgs&) { return Value(length(v)); }},
      {"count", [](const Value& v, const CallArgs&) { return Value(length(v)); }},
      {"upper", [](const Value& v, const CallArgs&) { return Value(py_upper(to_str(v))); }},
      {"lower", [](const Value& v, const CallArgs&) { return Value(py_lower(to_str(v))); }},
      {"capitalize", [](const Value& v, const CallArgs&) { return Value(py_capitalize(to_str(v))); }},
      {"title",
       [](const Value& v, const CallArgs&) {
         // jinja2's title starts a word after spaces, '-', and opening brackets.
         const std::u32string chars = decode_utf8(to_str(v));
         std::string out;
         for (size_t i = 0; i < chars.size(); ++i) {
           const bool starts_word = i == 0 || is_python_space(chars[i - 1]) ||
                                    std::u32string(U"-({[<").find(chars[i - 1]) != std::u32string::npos;
           const std::string one = encode_utf8(chars.substr(i, 1));
           out += starts_word ? py_upper(one) : py_lower(one);
         }
         return Value(out);
       }},
      {"first", [](const Value& v, const CallArgs&) { return first_or_last(v, false); }},
      {"last", [](const Value& v, const CallArgs&) { return first_or_last(v, true); }},
      {"join", do_join},
      {"default", do_default},
      {"d", do_default},
      {"replace", do_replace},
      {"list", [](const Value& v, const CallArgs&) { return Value::list(iterate(v)); }},
      {"string", [](const Value& v, const CallArgs&) { return Value(to_str(v)); }},
      {"safe", [](const Value& v, const CallArgs&) { return v; }},
      {"int", do_int},
      {"float", do_float},
      {"items", do_items},
      {"selectattr", [](const Value& v, const CallArgs& a) { return select_items(v, a, true, true); }},
      {"rejectattr", [](const Value& v, const CallArgs& a) { return select_items(v, a, true, false); }},
      {"select", [](const Value& v, const CallArgs& a) { return select_items(v, a, false, true); }},
      {"reject", [](const Value& v, const CallArgs& a) { return select_items(v, a, false, false); }},
      {"map", do_map},
      {"reverse", do_reverse},
      {"sort", do_sort},
      {"unique", do_unique},
      {"min", [](const Value& v, const CallArgs& a) { return extreme(v, a, false); }},
      {"max", [](const Value& v, const CallArgs& a) { return extreme(v, a, true); }},
      {"sum", do_sum},
      {"abs", do_abs},
      {"round", do_round},
      {"indent", do_indent},
      {"wordcount", do_wordcount},
      {"attr", [](const Value& v, const CallArgs& a) { return get_attribute(v, to_str(a.positional.at(0))); }},
      {"format",
       [](const Value& v, const CallArgs& a) { return Value(percent_format(to_str(v), Value::list(a.positional, true))); }},
  };
  return table;
}

}  // namespace

Value apply_filter(const std::string& name, const Value& value, const CallArgs& args) {
  const auto found = filters().find(name);
  if (found == filters().end()) throw EvalError("No filter named '" + name + "'.");
  return found->second(value, args);
}

bool has_filter(const std::string& name) { return filters().count(name) > 0; }

}  // namespace anvil::chat
