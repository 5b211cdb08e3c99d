#pragma once
// The values a template computes with, modelled on the Python objects jinja2
// sees: undefined, None, bool, int, float, str, list/tuple, dict, namespace and
// callables. Lists, dicts and namespaces are shared by reference, as in Python.
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace anvil::chat {

// A failure while evaluating, before the evaluator adds the template's name
// and line.
class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Value;
using List = std::vector<Value>;
// Python dicts keep insertion order; chat dicts are small, so a vector of
// pairs searched in order is enough.
using Dict = std::vector<std::pair<Value, Value>>;

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at POSITION or named NAME, or nullptr when neither was given.
  const Value* find(size_t position, const std::string& name) const;
};

using Function = std::function<Value(const CallArgs&)>;

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

  Value() = default;  // undefined
  static Value undefined(std::string reason);
  static Value none();
  Value(bool b);
  Value(int i) : Value(static_cast<int64_t>(i)) {}
  Value(int64_t i);
  Value(double f);
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}
  static Value list(List items, bool tuple = false);
  static Value dict(Dict items);
  static Value namespace_(Dict attributes);
  static Value function(std::string name, Function fn);
  static Value from_json(const nlohmann::ordered_json& json);
  static Value from_json(const nlohmann::ordered_json& json, int depth);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::List && tuple_; }
  bool is_dict() const { return kind_ == Kind::Dict; }

  bool as_bool() const { return bool_; }
  int64_t as_int() const;  // bools and ints
  double as_float() const;  // any number
  const std::string& as_string() const { return string_; }
  // Undefined: why it is undefined, for the error an illegal use raises.
  const std::string& undefined_reason() const { return string_; }
  List& items() const { return *list_; }
  Dict& entries() const { return *dict_; }  // dicts and namespaces
  const Function& function() const { return *function_; }
  const std::string& function_name() const { return string_; }

  // Python's truth value.
  bool truthy() const;
  // Python's type name, as error messages print it: "dict", "str", ...
  std::string type_name() const;
  // Throws the error using an undefined value raises.
  [[noreturn]] void fail_undefined() const;

  // The dict entry for KEY, or nullptr.
  const Value* lookup(const Value& key) const;
  void set_entry(const Value& key, Value value) const;

 private:
  Kind kind_ = Kind::Undefined;
  bool bool_ = false;
  bool tuple_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string string_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Function> function_;
};

// Python ==, as jinja2 compares (1 == 1.0 == True; undefined equals undefined).
bool equal(const Value& a, const Value& b);
// Python <; throws EvalError for types Python cannot order.
bool less(const Value& a, const Value& b);

// str(value) as jinja2 prints it: undefined prints nothing, None "None",
// floats as Python's repr, lists and dicts as Python's repr.
std::string to_str(const Value& value);
// Python's repr: strings quoted.
std::string to_repr(const Value& value);
std::string python_float_repr(double f);

// The values a for loop or list() visits: list items, dict keys, string
// characters; undefined gives none.
List iterate(const Value& value);
// len(value); throws for types without a length.
int64_t length(const Value& value);

}  // namespace anvil::chat
