#include "chat/methods.h"

#include <cctype>
#include <map>
#include <set>

#include "chat/formatting.h"
#include "chat/python_str.h"

namespace anvil::chat {
namespace {

using Method = Value (*)(const Value& self, const CallArgs& args);

const Value* argument(const CallArgs& args, size_t position, const char* name) { return args.find(position, name); }

std::string string_argument(const CallArgs& args, size_t position, const char* name) {
  const Value* v = argument(args, position, name);
  if (!v || !v->is_string()) throw EvalError(std::string("expected a string for '") + name + "'");
  return v->as_string();
}

// An absent or None argument: Python's default for strip's chars and split's sep.
std::optional<std::string> optional_string(const CallArgs& args, size_t position, const char* name) {
  const Value* v = argument(args, position, name);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) throw EvalError(std::string("expected a string or None for '") + name + "'");
  return v->as_string();
}

int64_t int_argument(const CallArgs& args, size_t position, const char* name, int64_t if_absent) {
  const Value* v = argument(args, position, name);
  return v ? v->as_int() : if_absent;
}

Value string_list(const std::vector<std::string>& parts) {
  List items;
  for (const auto& part : parts) items.emplace_back(part);
  return Value::list(std::move(items));
}

// startswith/endswith take one prefix or a tuple of them.
bool affix_matches(const Value& self, const CallArgs& args, bool at_end) {
  const Value* affix = argument(args, 0, at_end ? "suffix" : "prefix");
  if (!affix) throw EvalError("startswith/endswith take a string");
  const std::string& s = self.as_string();
  auto matches = [&](const Value& a) {
    if (!a.is_string()) throw EvalError("startswith/endswith take strings");
    const std::string& x = a.as_string();
    if (x.size() > s.size()) return false;
    return at_end ? s.compare(s.size() - x.size(), x.size(), x) == 0 : s.compare(0, x.size(), x) == 0;
  };
  if (affix->is_list()) {
    for (const Value& a : affix->items())
      if (matches(a)) return true;
    return false;
  }
  return matches(*affix);
}

Value str_strip(const Value& self, const CallArgs& args, bool left, bool right) {
  return Value(py_strip(self.as_string(), optional_string(args, 0, "chars"), left, right));
}

bool all_chars(const std::string& s, int (*predicate)(int)) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c < 0x80 && !predicate(c)) return false;
  return true;
}

Value str_join(const Value& self, const CallArgs& args) {
  const Value* items = argument(args, 0, "iterable");
  if (!items) throw EvalError("join() takes an iterable");
  std::string out;
  bool first = true;
  for (const Value& item : iterate(*items)) {
    if (!item.is_string()) throw EvalError("sequence item: expected str instance, " + item.type_name() + " found");
    if (!first) out += self.as_string();
    out += item.as_string();
    first = false;
  }
  return Value(out);
}

const std::map<std::string, Method>& string_methods() {
  static const std::map<std::string, Method> methods = {
      {"startswith", [](const Value& s, const CallArgs& a) { return Value(affix_matches(s, a, false)); }},
      {"endswith", [](const Value& s, const CallArgs& a) { return Value(affix_matches(s, a, true)); }},
      {"strip", [](const Value& s, const CallArgs& a) { return str_strip(s, a, true, true); }},
      {"lstrip", [](const Value& s, const CallArgs& a) { return str_strip(s, a, true, false); }},
      {"rstrip", [](const Value& s, const CallArgs& a) { return str_strip(s, a, false, true); }},
      {"split",
       [](const Value& s, const CallArgs& a) {
         const auto sep = optional_string(a, 0, "sep");
         if (sep && sep->empty()) throw EvalError("split: empty separator");  // as Python's ValueError
         return string_list(py_split(s.as_string(), sep, int_argument(a, 1, "maxsplit", -1)));
       }},
      {"splitlines", [](const Value& s, const CallArgs&) { return string_list(py_splitlines(s.as_string())); }},
      {"upper", [](const Value& s, const CallArgs&) { return Value(py_upper(s.as_string())); }},
      {"lower", [](const Value& s, const CallArgs&) { return Value(py_lower(s.as_string())); }},
      {"title", [](const Value& s, const CallArgs&) { return Value(py_title(s.as_string())); }},
      {"capitalize", [](const Value& s, const CallArgs&) { return Value(py_capitalize(s.as_string())); }},
      {"replace",
       [](const Value& s, const CallArgs& a) {
         return Value(py_replace(s.as_string(), string_argument(a, 0, "old"), string_argument(a, 1, "new"),
                                 int_argument(a, 2, "count", -1)));
       }},
      {"count", [](const Value& s, const CallArgs& a) { return Value(py_count(s.as_string(), string_argument(a, 0, "x"))); }},
      {"find",
       [](const Value& s, const CallArgs& a) { return Value(py_find(s.as_string(), string_argument(a, 0, "sub"), false)); }},
      {"rfind",
       [](const Value& s, const CallArgs& a) { return Value(py_find(s.as_string(), string_argument(a, 0, "sub"), true)); }},
      {"index",  // find, but a missing substring is an error, as in Python
       [](const Value& s, const CallArgs& a) {
         const auto at = py_find(s.as_string(), string_argument(a, 0, "sub"), false);
         if (at < 0) throw EvalError("substring not found");
         return Value(at);
       }},
      {"join", str_join},
      {"format", [](const Value& s, const CallArgs& a) { return Value(brace_format(s.as_string(), a)); }},
      {"isdigit", [](const Value& s, const CallArgs&) { return Value(all_chars(s.as_string(), ::isdigit)); }},
      {"isalpha", [](const Value& s, const CallArgs&) { return Value(all_chars(s.as_string(), ::isalpha)); }},
      {"isalnum", [](const Value& s, const CallArgs&) { return Value(all_chars(s.as_string(), ::isalnum)); }},
      {"isspace",
       [](const Value& s, const CallArgs&) {
         return Value(!s.as_string().empty() && py_strip(s.as_string(), std::nullopt, true, false).empty());
       }},
  };
  return methods;
}

Value dict_items(const Value& self, const CallArgs&) {
  List pairs;
  for (const auto& [key, value] : self.entries()) pairs.push_back(Value::list({key, value}, true));
  return Value::list(std::move(pairs));
}

const std::map<std::string, Method>& dict_methods() {
  static const std::map<std::string, Method> methods = {
      {"items", dict_items},
      {"keys",
       [](const Value& self, const CallArgs&) {
         List keys;
         for (const auto& entry : self.entries()) keys.push_back(entry.first);
         return Value::list(std::move(keys));
       }},
      {"values",
       [](const Value& self, const CallArgs&) {
         List values;
         for (const auto& entry : self.entries()) values.push_back(entry.second);
         return Value::list(std::move(values));
       }},
      {"get",
       [](const Value& self, const CallArgs& a) {
         const Value* key = argument(a, 0, "key");
         if (!key) throw EvalError("get() takes a key");
         const Value* found = self.lookup(*key);
         const Value* fallback = argument(a, 1, "default");
         return found ? *found : fallback ? *fallback : Value::none();
       }},
  };
  return methods;
}

const std::map<std::string, Method>& list_methods() {
  static const std::map<std::string, Method> methods = {
      {"count",
       [](const Value& self, const CallArgs& a) {
         int64_t n = 0;
         for (const Value& item : self.items())
           if (a.positional.size() == 1 && equal(item, a.positional[0])) ++n;
         return Value(n);
       }},
      {"index",
       [](const Value& self, const CallArgs& a) {
         for (size_t i = 0; i < self.items().size(); ++i)
           if (a.positional.size() == 1 && equal(self.items()[i], a.positional[0])) return Value(static_cast<int64_t>(i));
         throw EvalError("value is not in list");
       }},
  };
  return methods;
}

// Methods that change their object: ImmutableSandboxedEnvironment refuses them.
bool is_unsafe(const Value& object, const std::string& name) {
  static const std::set<std::string> list_mutators = {"append", "extend", "insert", "pop",
                                                      "remove", "reverse", "sort",  "clear"};
  static const std::set<std::string> dict_mutators = {"pop", "popitem", "setdefault", "update", "clear"};
  return (object.is_list() && !object.is_tuple() && list_mutators.count(name)) ||
         (object.is_dict() && dict_mutators.count(name));
}

}  // namespace

std::optional<Value> bound_method(const Value& object, const std::string& name) {
  if (is_unsafe(object, name))
    return Value::undefined("access to attribute '" + name + "' of '" + object.type_name() + "' object is unsafe.");
  const std::map<std::string, Method>* methods = object.is_string() ? &string_methods()
                                                 : object.is_dict() ? &dict_methods()
                                                 : object.is_list() ? &list_methods()
                                                                    : nullptr;
  if (!methods) return std::nullopt;
  const auto found = methods->find(name);
  if (found == methods->end()) return std::nullopt;
  const Method method = found->second;
  return Value::function(name, [object, method](const CallArgs& args) { return method(object, args); });
}

}  // namespace anvil::chat
