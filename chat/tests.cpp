#include "chat/tests.h"

#include <cmath>
#include <map>

#include "chat/operators.h"
#include "chat/python_str.h"

namespace anvil::chat {
namespace {

using Test = bool (*)(const Value& value, const CallArgs& args);

const Value& operand(const CallArgs& args, const char* test) {
  if (args.positional.empty()) throw EvalError(std::string("the '") + test + "' test takes an argument");
  return args.positional[0];
}

bool is_int(const Value& v) { return v.kind() == Value::Kind::Int; }

bool divisible(const Value& value, const Value& by) {
  if (!value.is_number() || !by.is_number()) throw EvalError("divisibleby takes numbers");
  if (by.as_float() == 0) throw EvalError("integer division or modulo by zero");
  if (value.kind() != Value::Kind::Float && by.kind() != Value::Kind::Float) return value.as_int() % by.as_int() == 0;
  return std::fmod(value.as_float(), by.as_float()) == 0;
}

bool odd(const Value& v) {
  if (!v.is_number()) throw EvalError("odd takes a number");
  return v.kind() == Value::Kind::Float ? std::fmod(std::fabs(v.as_float()), 2) == 1 : (v.as_int() % 2) != 0;
}

const std::map<std::string, Test>& tests() {
  static const std::map<std::string, Test> table = {
      {"defined", [](const Value& v, const CallArgs&) { return !v.is_undefined(); }},
      {"undefined", [](const Value& v, const CallArgs&) { return v.is_undefined(); }},
      {"none", [](const Value& v, const CallArgs&) { return v.is_none(); }},
      {"string", [](const Value& v, const CallArgs&) { return v.is_string(); }},
      {"number", [](const Value& v, const CallArgs&) { return v.is_number(); }},
      {"integer", [](const Value& v, const CallArgs&) { return is_int(v); }},
      {"float", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Float; }},
      {"boolean", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Bool; }},
      {"true", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Bool && v.as_bool(); }},
      {"false", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Bool && !v.as_bool(); }},
      {"mapping", [](const Value& v, const CallArgs&) { return v.is_dict(); }},
      // Undefined is iterable and a sequence in jinja2: it iterates as empty.
      {"iterable",
       [](const Value& v, const CallArgs&) { return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict(); }},
      {"sequence",
       [](const Value& v, const CallArgs&) { return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict(); }},
      {"callable", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Callable; }},
      {"in", [](const Value& v, const CallArgs& a) { return contains(operand(a, "in"), v); }},
      {"eq", [](const Value& v, const CallArgs& a) { return equal(v, operand(a, "eq")); }},
      {"ne", [](const Value& v, const CallArgs& a) { return !equal(v, operand(a, "ne")); }},
      {"lt", [](const Value& v, const CallArgs& a) { return less(v, operand(a, "lt")); }},
      {"gt", [](const Value& v, const CallArgs& a) { return less(operand(a, "gt"), v); }},
      {"le", [](const Value& v, const CallArgs& a) { return !less(operand(a, "le"), v); }},
      {"ge", [](const Value& v, const CallArgs& a) { return !less(v, operand(a, "ge")); }},
      {"odd", [](const Value& v, const CallArgs&) { return odd(v); }},
      {"even", [](const Value& v, const CallArgs&) { return !odd(v); }},
      {"divisibleby", [](const Value& v, const CallArgs& a) { return divisible(v, operand(a, "divisibleby")); }},
      {"lower", [](const Value& v, const CallArgs&) { return py_lower(to_str(v)) == to_str(v) && py_upper(to_str(v)) != to_str(v); }},
      {"upper", [](const Value& v, const CallArgs&) { return py_upper(to_str(v)) == to_str(v) && py_lower(to_str(v)) != to_str(v); }},
      {"sameas",
       [](const Value& v, const CallArgs& a) {
         const Value& other = operand(a, "sameas");
         return v.kind() == other.kind() && (v.is_none() || v.is_undefined() || equal(v, other));
       }},
  };
  return table;
}

// jinja2's other names for the comparison tests.
std::string canonical(const std::string& name) {
  static const std::map<std::string, std::string> aliases = {
      {"equalto", "eq"}, {"==", "eq"}, {"!=", "ne"},         {"lessthan", "lt"}, {"<", "lt"},
      {"<=", "le"},      {">", "gt"},  {"greaterthan", "gt"}, {">=", "ge"}};
  const auto found = aliases.find(name);
  return found == aliases.end() ? name : found->second;
}

}  // namespace

bool apply_test(const std::string& name, const Value& value, const CallArgs& args) {
  const auto found = tests().find(canonical(name));
  if (found == tests().end()) throw EvalError("No test named '" + name + "'.");
  return found->second(value, args);
}

bool has_test(const std::string& name) { return tests().count(canonical(name)) > 0; }

}  // namespace anvil::chat
