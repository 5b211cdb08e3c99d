#include "chat/evaluator.h"

#include <optional>
#include <unordered_map>

#include "chat/access.h"
#include "chat/filters.h"
#include "chat/globals.h"
#include "chat/operators.h"
#include "chat/template.h"
#include "chat/tests.h"

namespace anvil::chat {
namespace {

class Scope {
 public:
  explicit Scope(const Scope* parent) : parent_(parent) {}

  const Value* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent_) {
      const auto found = s->vars_.find(name);
      if (found != s->vars_.end()) return &found->second;
    }
    return nullptr;
  }

  void set(const std::string& name, Value value) { vars_[name] = std::move(value); }

 private:
  std::unordered_map<std::string, Value> vars_;
  const Scope* parent_;
};

// What a statement tells the loop around it.
enum class Flow { Normal, Break, Continue };

class Renderer {
 public:
  Renderer(const std::string& name, const Dict& variables, bool strict)
      : name_(name), strict_(strict), globals_(nullptr), top_(&globals_) {
    for (const auto& [key, value] : template_globals()) globals_.set(key.as_string(), value);
    for (const auto& [key, value] : variables) top_.set(to_str(key), value);
  }

  std::string render(const Body& body) {
    std::string out;
    render_body(body, top_, out);
    return out;
  }

 private:
  // ---- statements

  Flow render_body(const Body& body, Scope& scope, std::string& out) {
    for (const auto& stmt : body) {
      const Flow flow = render_statement(*stmt, scope, out);
      if (flow != Flow::Normal) return flow;
    }
    return Flow::Normal;
  }

  Flow render_statement(const Stmt& stmt, Scope& scope, std::string& out) {
    try {
      return run_statement(stmt, scope, out);
    } catch (const TemplateError&) {
      throw;
    } catch (const TemplateRaised&) {
      throw;
    } catch (const std::exception& e) {
      throw TemplateError(name_, stmt.line, e.what());
    }
  }

  Flow run_statement(const Stmt& stmt, Scope& scope, std::string& out) {
    switch (stmt.kind) {
      case Stmt::Kind::Text: out += stmt.text; return Flow::Normal;
      case Stmt::Kind::Print: out += printed(eval(*stmt.expr, scope)); return Flow::Normal;
      case Stmt::Kind::If: return render_if(stmt, scope, out);
      case Stmt::Kind::For: return render_for(stmt, scope, out);
      case Stmt::Kind::Set: assign(stmt.target, eval(*stmt.expr, scope), scope); return Flow::Normal;
      case Stmt::Kind::SetBlock: {
        std::string captured;
        render_body(stmt.bodies[0], scope, captured);
        scope.set(stmt.target.names[0], Value(captured));
        return Flow::Normal;
      }
      case Stmt::Kind::Macro: scope.set(stmt.text, macro(stmt)); return Flow::Normal;
      case Stmt::Kind::Break: return Flow::Break;
      case Stmt::Kind::Continue: return Flow::Continue;
      case Stmt::Kind::Generation: return render_body(stmt.bodies[0], scope, out);
      case Stmt::Kind::CallBlock: out += to_str(call_with_caller(stmt, scope)); return Flow::Normal;
    }
    return Flow::Normal;
  }

  Flow render_if(const Stmt& stmt, Scope& scope, std::string& out) {
    for (size_t i = 0; i < stmt.conditions.size(); ++i)
      if (eval(*stmt.conditions[i], scope).truthy()) return render_body(stmt.bodies[i], scope, out);
    if (stmt.bodies.size() > stmt.conditions.size()) return render_body(stmt.bodies.back(), scope, out);
    return Flow::Normal;
  }

  static void bind(const Target& target, const Value& item, Scope& scope) {
    if (target.names.size() == 1) return scope.set(target.names[0], item);
    const List parts = iterate(item);
    if (parts.size() < target.names.size())
      throw EvalError("not enough values to unpack (expected " + std::to_string(target.names.size()) + ", got " +
                      std::to_string(parts.size()) + ")");
    if (parts.size() > target.names.size())
      throw EvalError("too many values to unpack (expected " + std::to_string(target.names.size()) + ")");
    for (size_t i = 0; i < parts.size(); ++i) scope.set(target.names[i], parts[i]);
  }

  void assign(const Target& target, const Value& value, Scope& scope) {
    if (target.attribute.empty()) return bind(target, value, scope);
    const Value* ns = scope.find(target.names[0]);
    if (!ns || ns->kind() != Value::Kind::Namespace) throw EvalError("cannot assign attribute on non-namespace object");
    if (target.attribute[0] == '_')
      throw EvalError("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '" +
                      target.attribute + "'. Please rename the attribute.");
    ns->set_entry(Value(target.attribute), value);
  }

  Flow render_for(const Stmt& stmt, Scope& scope, std::string& out) {
    List items = iterate(eval(*stmt.expr, scope));
    if (stmt.filter) {
      List kept;
      for (const Value& item : items) {
        Scope probe(&scope);
        bind(stmt.target, item, probe);
        if (eval(*stmt.filter, probe).truthy()) kept.push_back(item);
      }
      items = std::move(kept);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      Scope iteration(&scope);
      bind(stmt.target, items[i], iteration);
      iteration.set("loop", loop_variable(items, i));
      if (render_body(stmt.bodies[0], iteration, out) == Flow::Break) break;
    }
    if (items.empty() && stmt.bodies.size() > 1) {
      Scope otherwise(&scope);
      return render_body(stmt.bodies[1], otherwise, out);
    }
    return Flow::Normal;
  }

  static Value loop_variable(const List& items, size_t i) {
    const auto n = static_cast<int64_t>(items.size()), index = static_cast<int64_t>(i);
    Dict loop = {
        {Value("index0"), Value(index)},          {Value("index"), Value(index + 1)},
        {Value("revindex0"), Value(n - index - 1)}, {Value("revindex"), Value(n - index)},
        {Value("first"), Value(i == 0)},          {Value("last"), Value(index == n - 1)},
        {Value("length"), Value(n)},              {Value("depth"), Value(1)},
        {Value("depth0"), Value(0)},
    };
    if (i > 0) loop.emplace_back(Value("previtem"), items[i - 1]);
    if (index + 1 < n) loop.emplace_back(Value("nextitem"), items[i + 1]);
    loop.emplace_back(Value("cycle"), Value::function("cycle", [index](const CallArgs& args) {
                        if (args.positional.empty()) throw EvalError("no items for cycling given");
                        return args.positional[static_cast<size_t>(index) % args.positional.size()];
                      }));
    return Value::dict(std::move(loop));
  }

  // {% call m(args) %}body{% endcall %}: m(args) with caller() rendering the body.
  Value call_with_caller(const Stmt& stmt, Scope& scope) {
    const Value callee = eval(*stmt.expr->operands[0], scope);
    CallArgs args = arguments(*stmt.expr, 1, scope);
    args.keyword.emplace_back("caller", Value::function("caller", [this, &stmt, &scope](const CallArgs&) {
                                Scope body_scope(&scope);
                                std::string out;
                                render_body(stmt.bodies[0], body_scope, out);
                                return Value(out);
                              }));
    return call(callee, args);
  }

  // A macro sees the template's top-level names as they are when it is called.
  Value macro(const Stmt& stmt) {
    return Value::function(stmt.text, [this, &stmt](const CallArgs& args) { return call_macro(stmt, args); });
  }

  Value call_macro(const Stmt& stmt, const CallArgs& args) {
    // jinja2 stops runaway recursion with Python's RecursionError; this stops
    // it before the C++ stack overflows.
    constexpr int kMaxMacroDepth = 200;
    if (macro_depth_ >= kMaxMacroDepth)
      throw EvalError("macro '" + stmt.text + "' called more than " + std::to_string(kMaxMacroDepth) +
                      " levels deep (runaway recursion?)");
    struct Depth {
      int& depth;
      explicit Depth(int& d) : depth(d) { ++depth; }
      ~Depth() { --depth; }
    } depth(macro_depth_);
    const auto& parameters = stmt.parameters;
    if (args.positional.size() > parameters.size())
      throw EvalError("macro '" + stmt.text + "' takes not more than " + std::to_string(parameters.size()) +
                      " argument(s)");
    for (const auto& [keyword, value] : args.keyword) {
      bool known = keyword == "caller";
      for (const auto& p : parameters) known = known || p.name == keyword;
      if (!known) throw EvalError("macro '" + stmt.text + "' takes no keyword argument '" + keyword + "'");
    }
    Scope scope(&top_);
    for (const auto& [keyword, value] : args.keyword)
      if (keyword == "caller") scope.set("caller", value);
    for (size_t i = 0; i < parameters.size(); ++i) {
      const MacroParameter& p = parameters[i];
      if (const Value* given = args.find(i, p.name)) scope.set(p.name, *given);
      else if (p.default_value) scope.set(p.name, eval(*p.default_value, scope));
      else scope.set(p.name, Value::undefined("parameter '" + p.name + "' was not provided"));
    }
    std::string out;
    render_body(stmt.bodies[0], scope, out);
    return Value(out);
  }

  // ---- expressions

  Value eval(const Expr& expr, const Scope& scope) {
    try {
      return evaluate(expr, scope);
    } catch (const TemplateError&) {
      throw;
    } catch (const TemplateRaised&) {
      throw;
    } catch (const std::exception& e) {
      throw TemplateError(name_, expr.line, e.what());
    }
  }

  CallArgs arguments(const Expr& expr, size_t first, const Scope& scope) {
    CallArgs args;
    for (size_t i = first; i < expr.operands.size(); ++i) args.positional.push_back(eval(*expr.operands[i], scope));
    for (const auto& [keyword, value] : expr.keywords) args.keyword.emplace_back(keyword, eval(*value, scope));
    return args;
  }

  std::optional<int64_t> slice_bound(const ExprPtr& bound, const Scope& scope) {
    if (!bound) return std::nullopt;
    const Value v = eval(*bound, scope);
    if (v.is_none()) return std::nullopt;
    if (v.kind() != Value::Kind::Int && v.kind() != Value::Kind::Bool)
      throw EvalError("slice indices must be integers or None");
    return v.as_int();
  }

  Value call(const Value& callee, const CallArgs& args) {
    if (callee.kind() == Value::Kind::Callable) return callee.function()(args);
    if (callee.is_undefined()) callee.fail_undefined();
    throw EvalError("'" + callee.type_name() + "' object is not callable");
  }

  bool compare(const std::string& op, const Value& a, const Value& b) {
    if (op == "==") return equal(a, b);
    if (op == "!=") return !equal(a, b);
    if (op == "<") return less(a, b);
    if (op == ">") return less(b, a);
    if (op == "<=") return less(a, b) || equal(a, b);
    if (op == ">=") return less(b, a) || equal(a, b);
    if (op == "in") return contains(b, a);
    return !contains(b, a);  // not in
  }

  Value evaluate(const Expr& e, const Scope& scope) {
    const auto& ops = e.operands;
    switch (e.kind) {
      case Expr::Kind::Literal: return e.value;
      case Expr::Kind::Name: {
        const Value* found = scope.find(e.name);
        return found ? *found : Value::undefined("'" + e.name + "' is undefined");
      }
      case Expr::Kind::Attribute: return get_attribute(eval(*ops[0], scope), e.name);
      case Expr::Kind::Item: {
        const Value object = eval(*ops[0], scope);
        return get_item(object, eval(*ops[1], scope));
      }
      case Expr::Kind::Slice: {
        const Value object = eval(*ops[0], scope);
        const auto start = slice_bound(ops[1], scope), stop = slice_bound(ops[2], scope);
        return slice(object, start, stop, slice_bound(ops[3], scope));
      }
      case Expr::Kind::Call: {
        const Value callee = eval(*ops[0], scope);
        return call(callee, arguments(e, 1, scope));
      }
      case Expr::Kind::Filter: {
        const Value value = eval(*ops[0], scope);
        return apply_filter(e.name, value, arguments(e, 1, scope));
      }
      case Expr::Kind::Test: {
        const Value value = eval(*ops[0], scope);
        return Value(apply_test(e.name, value, arguments(e, 1, scope)) != e.negated);
      }
      case Expr::Kind::Unary: {
        const Value value = eval(*ops[0], scope);
        return e.name == "not" ? Value(!value.truthy()) : unary_operation(e.name, value);
      }
      case Expr::Kind::Binary: {
        const Value a = eval(*ops[0], scope);
        return binary_operation(e.name, a, eval(*ops[1], scope));
      }
      case Expr::Kind::And: {
        Value a = eval(*ops[0], scope);
        return a.truthy() ? eval(*ops[1], scope) : a;
      }
      case Expr::Kind::Or: {
        Value a = eval(*ops[0], scope);
        return a.truthy() ? a : eval(*ops[1], scope);
      }
      case Expr::Kind::Compare: return evaluate_comparison(e, scope);
      case Expr::Kind::Conditional:
        if (eval(*ops[0], scope).truthy()) return eval(*ops[1], scope);
        return ops[2] ? eval(*ops[2], scope)
                      : Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                                         " evaluated to false and no else section was defined.");
      case Expr::Kind::List:
      case Expr::Kind::Tuple: {
        List items;
        for (const auto& op : ops) items.push_back(eval(*op, scope));
        return Value::list(std::move(items), e.kind == Expr::Kind::Tuple);
      }
      case Expr::Kind::Dict: {
        Value dict = Value::dict({});
        for (size_t i = 0; i + 1 < ops.size(); i += 2) {
          Value key = eval(*ops[i], scope);
          dict.set_entry(key, eval(*ops[i + 1], scope));
        }
        return dict;
      }
    }
    throw EvalError("unknown expression");
  }

  Value evaluate_comparison(const Expr& e, const Scope& scope) {
    Value left = eval(*e.operands[0], scope);
    for (size_t i = 0; i < e.comparisons.size(); ++i) {
      Value right = eval(*e.operands[i + 1], scope);
      if (!compare(e.comparisons[i], left, right)) return Value(false);
      left = std::move(right);
    }
    return Value(true);
  }

  std::string printed(const Value& value) const {
    if (strict_ && value.is_undefined()) value.fail_undefined();
    return to_str(value);
  }

  const std::string& name_;
  bool strict_;
  Scope globals_;
  Scope top_;
  int macro_depth_ = 0;  // macros being called, one inside another
};

}  // namespace

std::string render_body(const Body& body, const std::string& name, const Dict& variables, bool strict) {
  return Renderer(name, variables, strict).render(body);
}

}  // namespace anvil::chat
