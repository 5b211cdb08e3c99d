#pragma once
// The parsed template: expressions and statements, each with its source line.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace anvil::chat {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,      // value
    Name,         // name
    Attribute,    // operands[0].name
    Item,         // operands[0][operands[1]]
    Slice,        // operands[0][operands[1]:operands[2]:operands[3]], null parts omitted
    Call,         // operands[0](operands[1..], keywords)
    Filter,       // operands[0] | name(operands[1..], keywords)
    Test,         // operands[0] is [not] name(operands[1..]); negated
    Unary,        // name ("-", "+", "not") operands[0]
    Binary,       // operands[0] name operands[1]: arithmetic, "~", "in", "not in"
    And,          // operands[0] and operands[1]
    Or,           // operands[0] or operands[1]
    Compare,      // operands[0] comparisons[0] operands[1] comparisons[1] operands[2] ...
    Conditional,  // operands[1] if operands[0] else operands[2] (may be null)
    List,         // [operands...]
    Tuple,        // (operands...)
    Dict,         // {operands[0]: operands[1], ...}
  };
  Kind kind;
  int line;
  std::string name;
  Value value;
  bool negated = false;
  std::vector<ExprPtr> operands;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
  std::vector<std::string> comparisons;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// A name a for loop or set binds, or NAME.ATTRIBUTE on a namespace.
struct Target {
  std::vector<std::string> names;  // more than one: unpacking
  std::string attribute;           // set ns.attribute = ...
};

struct MacroParameter {
  std::string name;
  ExprPtr default_value;  // null: required
};

struct Stmt {
  enum class Kind {
    Text,        // text
    Print,       // {{ expr }}
    If,          // conditions[i] -> bodies[i]; a last body without condition is the else
    For,         // for target in expr [if filter]: bodies[0]; else bodies[1]
    Set,         // set target = expr
    SetBlock,    // set target %}bodies[0]{% endset
    Macro,       // macro name(parameters): bodies[0]
    Break,
    Continue,
    Generation,  // generation %}bodies[0]{% endgeneration: rendered as is
    CallBlock,   // call expr %}bodies[0]{% endcall: expr is a macro call; the body is its caller()
  };
  Kind kind;
  int line;
  std::string text;
  ExprPtr expr;
  ExprPtr filter;
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
  Target target;
  std::vector<MacroParameter> parameters;
};

}  // namespace anvil::chat
