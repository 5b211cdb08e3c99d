#include "chat/operators.h"

#include <cmath>

#include "chat/formatting.h"

namespace anvil::chat {
namespace {

bool both_integral(const Value& a, const Value& b) {
  return a.kind() != Value::Kind::Float && b.kind() != Value::Kind::Float;
}

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  throw EvalError("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

Value add(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number())
    return both_integral(a, b) ? Value(a.as_int() + b.as_int()) : Value(a.as_float() + b.as_float());
  if (a.is_string() && b.is_string()) return Value(a.as_string() + b.as_string());
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    List items = a.items();
    items.insert(items.end(), b.items().begin(), b.items().end());
    return Value::list(std::move(items), a.is_tuple());
  }
  if (a.is_string() || a.is_list())
    throw EvalError("can only concatenate " + a.type_name() + " (not \"" + b.type_name() + "\") to " + a.type_name());
  unsupported("+", a, b);
}

Value repeat(const Value& sequence, int64_t times) {
  if (sequence.is_string()) {
    std::string out;
    for (int64_t i = 0; i < times; ++i) out += sequence.as_string();
    return Value(out);
  }
  List items;
  for (int64_t i = 0; i < times; ++i) items.insert(items.end(), sequence.items().begin(), sequence.items().end());
  return Value::list(std::move(items), sequence.is_tuple());
}

bool is_integral(const Value& v) { return v.kind() == Value::Kind::Int || v.kind() == Value::Kind::Bool; }

Value multiply(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number())
    return both_integral(a, b) ? Value(a.as_int() * b.as_int()) : Value(a.as_float() * b.as_float());
  if ((a.is_string() || a.is_list()) && is_integral(b)) return repeat(a, b.as_int());
  if ((b.is_string() || b.is_list()) && is_integral(a)) return repeat(b, a.as_int());
  unsupported("*", a, b);
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (!a.is_number() || !b.is_number()) unsupported(op, a, b);
  const bool integral = both_integral(a, b);
  if (op == "-") return integral ? Value(a.as_int() - b.as_int()) : Value(a.as_float() - b.as_float());
  if (op == "**") {
    if (integral && b.as_int() >= 0) {
      int64_t result = 1;
      for (int64_t i = 0; i < b.as_int(); ++i) result *= a.as_int();
      return Value(result);
    }
    return Value(std::pow(a.as_float(), b.as_float()));
  }
  if (b.as_float() == 0) throw EvalError(op == "/" ? "division by zero" : "integer division or modulo by zero");
  if (op == "/") return Value(a.as_float() / b.as_float());
  if (op == "//")
    return integral ? Value(floor_div(a.as_int(), b.as_int())) : Value(std::floor(a.as_float() / b.as_float()));
  if (integral) return Value(a.as_int() - floor_div(a.as_int(), b.as_int()) * b.as_int());
  double r = std::fmod(a.as_float(), b.as_float());
  if (r != 0 && ((r < 0) != (b.as_float() < 0))) r += b.as_float();
  return Value(r);
}

}  // namespace

Value binary_operation(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") return Value(to_str(a) + to_str(b));
  if (a.is_undefined()) a.fail_undefined();
  if (b.is_undefined()) b.fail_undefined();
  if (op == "+") return add(a, b);
  if (op == "*") return multiply(a, b);
  if (op == "%" && a.is_string()) return Value(percent_format(a.as_string(), b));
  return arithmetic(op, a, b);
}

Value unary_operation(const std::string& op, const Value& a) {
  if (a.is_undefined()) a.fail_undefined();
  if (!a.is_number()) throw EvalError("bad operand type for unary " + op + ": '" + a.type_name() + "'");
  if (op == "+") return a.kind() == Value::Kind::Bool ? Value(a.as_int()) : a;
  return a.kind() == Value::Kind::Float ? Value(-a.as_float()) : Value(-a.as_int());
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::Undefined: return false;
    case Value::Kind::String:
      if (!item.is_string())
        throw EvalError("'in <string>' requires string as left operand, not " + item.type_name());
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const Value& x : container.items())
        if (equal(x, item)) return true;
      return false;
    case Value::Kind::Dict: return container.lookup(item) != nullptr;
    default: throw EvalError("argument of type '" + container.type_name() + "' is not iterable");
  }
}

}  // namespace anvil::chat
