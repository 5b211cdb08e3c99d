#include "chat/globals.h"

#include <ctime>

#include "chat/template.h"

namespace anvil::chat {
namespace {

// jinja2's sandbox refuses ranges longer than this.
constexpr int64_t kMaxRange = 100000;

Value range(const CallArgs& args) {
  const auto& a = args.positional;
  if (a.empty() || a.size() > 3) throw EvalError("range expected 1 to 3 arguments, got " + std::to_string(a.size()));
  for (const Value& v : a)
    if (v.kind() != Value::Kind::Int && v.kind() != Value::Kind::Bool)
      throw EvalError("'" + v.type_name() + "' object cannot be interpreted as an integer");
  const int64_t start = a.size() > 1 ? a[0].as_int() : 0;
  const int64_t stop = a.size() > 1 ? a[1].as_int() : a[0].as_int();
  const int64_t step = a.size() > 2 ? a[2].as_int() : 1;
  if (step == 0) throw EvalError("range() arg 3 must not be zero");
  List items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (static_cast<int64_t>(items.size()) >= kMaxRange)
      throw EvalError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    items.emplace_back(i);
  }
  return Value::list(std::move(items));
}

// dict(mapping, **kwargs) and namespace(mapping, **kwargs) take the same arguments.
Dict entries_of(const CallArgs& args, const char* callee) {
  Dict entries;
  if (args.positional.size() > 1) throw EvalError(std::string(callee) + " takes at most one positional argument");
  if (!args.positional.empty()) {
    if (!args.positional[0].is_dict()) throw EvalError(std::string(callee) + " takes a mapping");
    entries = args.positional[0].entries();
  }
  for (const auto& [key, value] : args.keyword) entries.emplace_back(Value(key), value);
  return entries;
}

Value make_namespace(const CallArgs& args) {
  Dict entries = entries_of(args, "namespace");
  for (const auto& [key, value] : entries)
    if (key.is_string() && !key.as_string().empty() && key.as_string()[0] == '_')
      throw EvalError("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '" +
                      key.as_string() + "'. Please rename the attribute.");
  return Value::namespace_(std::move(entries));
}

Value strftime_now(const CallArgs& args) {
  if (args.positional.size() != 1 || !args.positional[0].is_string()) throw EvalError("strftime_now takes a format");
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[512];
  const size_t n = std::strftime(buffer, sizeof buffer, args.positional[0].as_string().c_str(), &local);
  return Value(std::string(buffer, n));
}

}  // namespace

Dict template_globals() {
  return {
      {Value("range"), Value::function("range", range)},
      {Value("namespace"), Value::function("namespace", make_namespace)},
      {Value("dict"), Value::function("dict", [](const CallArgs& a) { return Value::dict(entries_of(a, "dict")); })},
      {Value("raise_exception"), Value::function("raise_exception",
                                                 [](const CallArgs& a) -> Value {
                                                   throw TemplateRaised(a.positional.empty() ? ""
                                                                                             : to_str(a.positional[0]));
                                                 })},
      {Value("strftime_now"), Value::function("strftime_now", strftime_now)},
  };
}

}  // namespace anvil::chat
