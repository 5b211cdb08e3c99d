#include "chat/expression_parser.h"

#include "chat/filters.h"
#include "chat/tests.h"

namespace anvil::chat {

ExprPtr ExpressionParser::node(Expr::Kind kind, int line) {
  auto expr = std::make_unique<Expr>();
  expr->kind = kind;
  expr->line = line;
  return expr;
}

ExprPtr ExpressionParser::node(Expr::Kind kind, int line, std::string name, ExprPtr a, ExprPtr b) {
  auto expr = node(kind, line);
  expr->name = std::move(name);
  expr->operands.push_back(std::move(a));
  if (b) expr->operands.push_back(std::move(b));
  return expr;
}

bool ExpressionParser::at_tuple_end() const {
  const Token& t = current();
  return t.type == Type::VariableEnd || t.type == Type::BlockEnd || (t.type == Type::Operator && t.text == ")");
}

ExprPtr ExpressionParser::parse_tuple(bool with_condition, bool parenthesized) {
  const int line = current().line;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  for (;;) {
    if (!items.empty()) expect_operator(",");
    if (at_tuple_end()) break;
    items.push_back(with_condition ? parse_expression() : parse_or());
    if (!at_operator(",")) break;
    is_tuple = true;
  }
  if (!is_tuple && items.size() == 1) return std::move(items[0]);
  if (!is_tuple && !parenthesized) fail("expected an expression, got " + describe(current()));
  auto tuple = node(Expr::Kind::Tuple, line);
  tuple->operands = std::move(items);
  return tuple;
}

ExprPtr ExpressionParser::parse_expression() {
  ExprPtr value = parse_or();
  while (at_name("if")) {
    const int line = next().line;
    auto conditional = node(Expr::Kind::Conditional, line);
    conditional->operands.push_back(parse_or());
    conditional->operands.push_back(std::move(value));
    conditional->operands.push_back(skip_name("else") ? parse_expression() : nullptr);
    value = std::move(conditional);
  }
  return value;
}

ExprPtr ExpressionParser::parse_or() {
  ExprPtr left = parse_and();
  while (at_name("or")) {
    const int line = next().line;
    left = node(Expr::Kind::Or, line, "or", std::move(left), parse_and());
  }
  return left;
}

ExprPtr ExpressionParser::parse_and() {
  ExprPtr left = parse_not();
  while (at_name("and")) {
    const int line = next().line;
    left = node(Expr::Kind::And, line, "and", std::move(left), parse_not());
  }
  return left;
}

ExprPtr ExpressionParser::parse_not() {
  if (at_name("not")) {
    const int line = next().line;
    return node(Expr::Kind::Unary, line, "not", parse_not());
  }
  return parse_compare();
}

ExprPtr ExpressionParser::parse_compare() {
  const int line = current().line;
  ExprPtr first = parse_math1();
  std::unique_ptr<Expr> compare;
  for (;;) {
    std::string op;
    if (current().type == Type::Operator &&
        (current().text == "==" || current().text == "!=" || current().text == "<" || current().text == "<=" ||
         current().text == ">" || current().text == ">=")) {
      op = next().text;
    } else if (skip_name("in")) {
      op = "in";
    } else if (at_name("not") && peek().type == Type::Name && peek().text == "in") {
      next(), next();
      op = "not in";
    } else {
      break;
    }
    if (!compare) {
      compare = node(Expr::Kind::Compare, line);
      compare->operands.push_back(std::move(first));
    }
    compare->comparisons.push_back(op);
    compare->operands.push_back(parse_math1());
  }
  return compare ? std::move(compare) : std::move(first);
}

ExprPtr ExpressionParser::parse_math1() {
  ExprPtr left = parse_concat();
  while (at_operator("+") || at_operator("-")) {
    const Token& op = next();
    left = node(Expr::Kind::Binary, op.line, op.text, std::move(left), parse_concat());
  }
  return left;
}

ExprPtr ExpressionParser::parse_concat() {
  ExprPtr left = parse_math2();
  while (at_operator("~")) {
    const int line = next().line;
    left = node(Expr::Kind::Binary, line, "~", std::move(left), parse_math2());
  }
  return left;
}

ExprPtr ExpressionParser::parse_math2() {
  ExprPtr left = parse_pow();
  while (at_operator("*") || at_operator("/") || at_operator("//") || at_operator("%")) {
    const Token& op = next();
    left = node(Expr::Kind::Binary, op.line, op.text, std::move(left), parse_pow());
  }
  return left;
}

ExprPtr ExpressionParser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (at_operator("**")) {
    const int line = next().line;
    left = node(Expr::Kind::Binary, line, "**", std::move(left), parse_unary(true));
  }
  return left;
}

ExprPtr ExpressionParser::parse_unary(bool with_filter) {
  ExprPtr value;
  if (at_operator("-") || at_operator("+")) {
    const Token& op = next();
    value = node(Expr::Kind::Unary, op.line, op.text, parse_unary(false));
  } else {
    value = parse_primary();
  }
  value = parse_postfix(std::move(value));
  return with_filter ? parse_filters_and_tests(std::move(value)) : std::move(value);
}

ExprPtr ExpressionParser::parse_primary() {
  const Token& token = current();
  switch (token.type) {
    case Type::Name: return parse_name();
    case Type::String: {
      std::string text;
      while (current().type == Type::String) text += next().text;
      return literal(Value(std::move(text)), token.line);
    }
    case Type::Integer: next(); return literal(Value(token.integer), token.line);
    case Type::Float: next(); return literal(Value(token.real), token.line);
    default: break;
  }
  if (skip_operator("(")) {
    ExprPtr inner = parse_tuple(true, true);
    expect_operator(")");
    return inner;
  }
  if (skip_operator("[")) return parse_list(token.line);
  if (skip_operator("{")) return parse_dict(token.line);
  fail("unexpected " + describe(token));
}

ExprPtr ExpressionParser::literal(Value value, int line) {
  auto expr = node(Expr::Kind::Literal, line);
  expr->value = std::move(value);
  return expr;
}

ExprPtr ExpressionParser::parse_name() {
  const Token& token = next();
  if (token.text == "true" || token.text == "True") return literal(Value(true), token.line);
  if (token.text == "false" || token.text == "False") return literal(Value(false), token.line);
  if (token.text == "none" || token.text == "None") return literal(Value::none(), token.line);
  auto name = node(Expr::Kind::Name, token.line);
  name->name = token.text;
  return name;
}

ExprPtr ExpressionParser::parse_list(int line) {
  auto list = node(Expr::Kind::List, line);
  while (!skip_operator("]")) {
    if (!list->operands.empty()) expect_operator(",");
    if (skip_operator("]")) break;
    list->operands.push_back(parse_expression());
  }
  return list;
}

ExprPtr ExpressionParser::parse_dict(int line) {
  auto dict = node(Expr::Kind::Dict, line);
  while (!skip_operator("}")) {
    if (!dict->operands.empty()) expect_operator(",");
    if (skip_operator("}")) break;
    dict->operands.push_back(parse_expression());
    expect_operator(":");
    dict->operands.push_back(parse_expression());
  }
  return dict;
}

ExprPtr ExpressionParser::parse_postfix(ExprPtr value) {
  for (;;) {
    const int line = current().line;
    if (skip_operator(".")) {
      if (current().type == Type::Integer) {
        value = node(Expr::Kind::Item, line, "", std::move(value), literal(Value(next().integer), line));
      } else {
        value = node(Expr::Kind::Attribute, line, expect_name(), std::move(value));
      }
    } else if (skip_operator("[")) {
      value = parse_subscript(std::move(value), line);
    } else if (at_operator("(")) {
      value = parse_call(std::move(value));
    } else {
      return value;
    }
  }
}

ExprPtr ExpressionParser::parse_subscript(ExprPtr value, int line) {
  ExprPtr start = at_operator(":") ? nullptr : parse_expression();
  if (start && skip_operator("]")) return node(Expr::Kind::Item, line, "", std::move(value), std::move(start));
  expect_operator(":");
  auto slice = node(Expr::Kind::Slice, line);
  slice->operands.push_back(std::move(value));
  slice->operands.push_back(std::move(start));
  slice->operands.push_back(at_operator("]") || at_operator(":") ? nullptr : parse_expression());
  ExprPtr step;
  if (skip_operator(":") && !at_operator("]")) step = parse_expression();
  slice->operands.push_back(std::move(step));
  expect_operator("]");
  return slice;
}

void ExpressionParser::parse_arguments(Expr& call) {
  expect_operator("(");
  bool first = true;
  while (!skip_operator(")")) {
    if (!first) expect_operator(",");
    first = false;
    if (skip_operator(")")) break;
    if (current().type == Type::Name && peek().type == Type::Operator && peek().text == "=") {
      std::string keyword = next().text;
      next();
      call.keywords.emplace_back(std::move(keyword), parse_expression());
    } else {
      if (!call.keywords.empty()) fail("a positional argument follows keyword arguments");
      call.operands.push_back(parse_expression());
    }
  }
}

ExprPtr ExpressionParser::parse_call(ExprPtr callee) {
  auto call = node(Expr::Kind::Call, current().line);
  call->operands.push_back(std::move(callee));
  parse_arguments(*call);
  return call;
}

ExprPtr ExpressionParser::parse_filters_and_tests(ExprPtr value) {
  for (;;) {
    if (at_operator("|")) {
      const int line = next().line;
      auto filter = node(Expr::Kind::Filter, line, expect_name(), std::move(value));
      if (!has_filter(filter->name)) throw TemplateError(name(), line, "No filter named '" + filter->name + "'.");
      if (at_operator("(")) parse_arguments(*filter);
      value = std::move(filter);
    } else if (at_name("is")) {
      value = parse_test(std::move(value));
    } else if (at_operator("(")) {
      value = parse_call(std::move(value));
    } else {
      return value;
    }
  }
}

bool ExpressionParser::starts_test_argument() const {
  const Token& t = current();
  if (t.type == Type::Name) return t.text != "else" && t.text != "or" && t.text != "and";
  if (t.type == Type::String || t.type == Type::Integer || t.type == Type::Float) return true;
  return t.type == Type::Operator && (t.text == "(" || t.text == "[" || t.text == "{");
}

ExprPtr ExpressionParser::parse_test(ExprPtr value) {
  const int line = next().line;  // is
  const bool negated = skip_name("not");
  auto test = node(Expr::Kind::Test, line, expect_name(), std::move(value));
  if (!has_test(test->name)) throw TemplateError(name(), line, "No test named '" + test->name + "'.");
  test->negated = negated;
  if (at_operator("(")) {
    parse_arguments(*test);
  } else if (starts_test_argument()) {
    if (at_name("is")) fail("You cannot chain multiple tests with is");
    test->operands.push_back(parse_postfix(parse_primary()));
  }
  return test;
}

}  // namespace anvil::chat
