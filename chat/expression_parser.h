#pragma once
// Jinja expressions, with jinja2's grammar and operator precedence, from the
// loosest binding (conditional expressions) to the tightest (postfix: .attr,
// [item], calls, filters and tests).
#include <string>
#include <vector>

#include "chat/ast.h"
#include "chat/token_cursor.h"

namespace anvil::chat {

class ExpressionParser : protected TokenCursor {
 public:
  ExpressionParser(const std::vector<Token>& tokens, const std::string& name) : TokenCursor(tokens, name) {}

  // Comma-separated expressions make a tuple, as in Python.
  ExprPtr parse_tuple(bool with_condition, bool parenthesized = false);
  ExprPtr parse_expression();

 private:
  ExprPtr node(Expr::Kind kind, int line);
  ExprPtr node(Expr::Kind kind, int line, std::string name, ExprPtr a, ExprPtr b = nullptr);
  bool at_tuple_end() const;
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr literal(Value value, int line);
  ExprPtr parse_name();
  ExprPtr parse_list(int line);
  ExprPtr parse_dict(int line);
  ExprPtr parse_postfix(ExprPtr value);
  ExprPtr parse_subscript(ExprPtr value, int line);
  // Arguments in parentheses, appended to CALL's operands and keywords.
  void parse_arguments(Expr& call);
  ExprPtr parse_call(ExprPtr callee);
  ExprPtr parse_filters_and_tests(ExprPtr value);
  bool starts_test_argument() const;
  ExprPtr parse_test(ExprPtr value);
};

}  // namespace anvil::chat
