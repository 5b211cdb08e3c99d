#include "chat/parser.h"

#include <algorithm>
#include <initializer_list>

#include "chat/filters.h"
#include "chat/template.h"
#include "chat/tests.h"

namespace anvil::chat {
namespace {

using Type = Token::Type;

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& name) : tokens_(tokens), name_(name) {}

  Body parse_template() {
    Body body = parse_body({});
    return body;
  }

 private:
  // ---- tokens

  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(size_t ahead = 1) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  bool at_operator(const char* op) const { return current().type == Type::Operator && current().text == op; }
  bool at_name(const char* name) const { return current().type == Type::Name && current().text == name; }
  bool skip_operator(const char* op) { return at_operator(op) ? (next(), true) : false; }
  bool skip_name(const char* name) { return at_name(name) ? (next(), true) : false; }

  [[noreturn]] void fail(const std::string& message) const { throw TemplateError(name_, current().line, message); }

  std::string describe(const Token& token) const {
    switch (token.type) {
      case Type::End: return "end of template";
      case Type::VariableEnd: return "end of print statement";
      case Type::BlockEnd: return "end of statement block";
      case Type::Text: return "template data";
      default: return "'" + token.text + "'";
    }
  }

  void expect_operator(const char* op) {
    if (!skip_operator(op)) fail(std::string("expected '") + op + "', got " + describe(current()));
  }
  void expect(Type type, const char* what) {
    if (current().type != type) fail(std::string("expected ") + what + ", got " + describe(current()));
    next();
  }
  std::string expect_name() {
    if (current().type != Type::Name) fail("expected a name, got " + describe(current()));
    return next().text;
  }
  void expect_block_end() { expect(Type::BlockEnd, "end of statement block"); }

  // ---- statements

  // Statements up to a block whose keyword is one of END_TAGS, left unread.
  Body parse_body(std::initializer_list<const char*> end_tags) {
    Body body;
    for (;;) {
      const Token& token = current();
      if (token.type == Type::End) {
        if (end_tags.size() == 0) return body;
        fail(std::string("unexpected end of template, expected '") + *end_tags.begin() + "'");
      }
      if (token.type == Type::Text) {
        body.push_back(text_statement(next()));
      } else if (token.type == Type::VariableBegin) {
        next();
        auto print = statement(Stmt::Kind::Print, token.line);
        print->expr = parse_tuple(true);
        expect(Type::VariableEnd, "end of print statement");
        body.push_back(std::move(print));
      } else if (token.type == Type::BlockBegin) {
        const Token& keyword = peek();
        for (const char* end : end_tags)
          if (keyword.type == Type::Name && keyword.text == end) return body;
        next();
        body.push_back(parse_statement());
      } else {
        fail("unexpected " + describe(token));
      }
    }
  }

  static StmtPtr statement(Stmt::Kind kind, int line) {
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = kind;
    stmt->line = line;
    return stmt;
  }

  static StmtPtr text_statement(const Token& token) {
    auto text = statement(Stmt::Kind::Text, token.line);
    text->text = token.text;
    return text;
  }

  // Reads `{% KEYWORD` that parse_body left unread.
  void expect_end_tag(const char* keyword) {
    expect(Type::BlockBegin, "a block");
    if (!skip_name(keyword)) fail(std::string("expected '") + keyword + "'");
  }

  StmtPtr parse_statement() {
    const int line = current().line;
    const std::string keyword = expect_name();
    if (keyword == "for") return parse_for(line);
    if (keyword == "if") return parse_if(line);
    if (keyword == "set") return parse_set(line);
    if (keyword == "macro") return parse_macro(line);
    if (keyword == "break" || keyword == "continue") {
      expect_block_end();
      return statement(keyword == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, line);
    }
    if (keyword == "call") {
      auto call = statement(Stmt::Kind::CallBlock, line);
      call->expr = parse_expression();
      if (call->expr->kind != Expr::Kind::Call) fail("expected a macro call after 'call'");
      expect_block_end();
      call->bodies.push_back(parse_body({"endcall"}));
      expect_end_tag("endcall");
      expect_block_end();
      return call;
    }
    if (keyword == "generation") {
      expect_block_end();
      auto generation = statement(Stmt::Kind::Generation, line);
      generation->bodies.push_back(parse_body({"endgeneration"}));
      expect_end_tag("endgeneration");
      expect_block_end();
      return generation;
    }
    throw TemplateError(name_, line, "encountered unknown tag '" + keyword + "'");
  }

  Target parse_target(bool allow_attribute) {
    Target target;
    target.names.push_back(expect_name());
    if (allow_attribute && skip_operator(".")) {
      target.attribute = expect_name();
      return target;
    }
    while (skip_operator(",")) target.names.push_back(expect_name());
    return target;
  }

  StmtPtr parse_for(int line) {
    auto loop = statement(Stmt::Kind::For, line);
    loop->target = parse_target(false);
    if (!skip_name("in")) fail("expected 'in'");
    loop->expr = parse_tuple(false);
    if (skip_name("if")) loop->filter = parse_expression();
    if (at_name("recursive")) fail("recursive loops are not supported");
    expect_block_end();
    loop->bodies.push_back(parse_body({"endfor", "else"}));
    if (at_block("else")) {
      expect_end_tag("else");
      expect_block_end();
      loop->bodies.push_back(parse_body({"endfor"}));
    }
    expect_end_tag("endfor");
    expect_block_end();
    return loop;
  }

  bool at_block(const char* keyword) const {
    return current().type == Type::BlockBegin && peek().type == Type::Name && peek().text == keyword;
  }

  StmtPtr parse_if(int line) {
    auto branch = statement(Stmt::Kind::If, line);
    branch->conditions.push_back(parse_tuple(false));
    expect_block_end();
    for (;;) {
      branch->bodies.push_back(parse_body({"elif", "else", "endif"}));
      if (at_block("elif")) {
        expect_end_tag("elif");
        branch->conditions.push_back(parse_tuple(false));
        expect_block_end();
      } else if (at_block("else")) {
        expect_end_tag("else");
        expect_block_end();
        branch->bodies.push_back(parse_body({"endif"}));
        break;
      } else {
        break;
      }
    }
    expect_end_tag("endif");
    expect_block_end();
    return branch;
  }

  StmtPtr parse_set(int line) {
    Target target = parse_target(true);
    if (skip_operator("=")) {
      auto set = statement(Stmt::Kind::Set, line);
      set->target = std::move(target);
      set->expr = parse_tuple(true);
      expect_block_end();
      return set;
    }
    if (target.names.size() != 1 || !target.attribute.empty()) fail("a set block assigns one name");
    auto set = statement(Stmt::Kind::SetBlock, line);
    set->target = std::move(target);
    expect_block_end();
    set->bodies.push_back(parse_body({"endset"}));
    expect_end_tag("endset");
    expect_block_end();
    return set;
  }

  StmtPtr parse_macro(int line) {
    auto macro = statement(Stmt::Kind::Macro, line);
    macro->text = expect_name();
    expect_operator("(");
    while (!skip_operator(")")) {
      if (!macro->parameters.empty()) expect_operator(",");
      if (skip_operator(")")) break;
      MacroParameter parameter{expect_name(), nullptr};
      if (skip_operator("=")) parameter.default_value = parse_expression();
      macro->parameters.push_back(std::move(parameter));
    }
    expect_block_end();
    macro->bodies.push_back(parse_body({"endmacro"}));
    expect_end_tag("endmacro");
    if (current().type == Type::Name) next();  // {% endmacro name %}
    expect_block_end();
    return macro;
  }

  // ---- expressions, from the loosest binding to the tightest

  ExprPtr node(Expr::Kind kind, int line) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->line = line;
    return expr;
  }

  ExprPtr node(Expr::Kind kind, int line, std::string name, ExprPtr a, ExprPtr b = nullptr) {
    auto expr = node(kind, line);
    expr->name = std::move(name);
    expr->operands.push_back(std::move(a));
    if (b) expr->operands.push_back(std::move(b));
    return expr;
  }

  bool at_tuple_end() const {
    const Token& t = current();
    return t.type == Type::VariableEnd || t.type == Type::BlockEnd || (t.type == Type::Operator && t.text == ")");
  }

  // Comma-separated expressions make a tuple, as in Python.
  ExprPtr parse_tuple(bool with_condition, bool parenthesized = false) {
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

  ExprPtr parse_expression() {
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

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (at_name("or")) {
      const int line = next().line;
      left = node(Expr::Kind::Or, line, "or", std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (at_name("and")) {
      const int line = next().line;
      left = node(Expr::Kind::And, line, "and", std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (at_name("not")) {
      const int line = next().line;
      return node(Expr::Kind::Unary, line, "not", parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
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

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (at_operator("+") || at_operator("-")) {
      const Token& op = next();
      left = node(Expr::Kind::Binary, op.line, op.text, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    while (at_operator("~")) {
      const int line = next().line;
      left = node(Expr::Kind::Binary, line, "~", std::move(left), parse_math2());
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (at_operator("*") || at_operator("/") || at_operator("//") || at_operator("%")) {
      const Token& op = next();
      left = node(Expr::Kind::Binary, op.line, op.text, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (at_operator("**")) {
      const int line = next().line;
      left = node(Expr::Kind::Binary, line, "**", std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
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

  ExprPtr parse_primary() {
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

  ExprPtr literal(Value value, int line) {
    auto expr = node(Expr::Kind::Literal, line);
    expr->value = std::move(value);
    return expr;
  }

  ExprPtr parse_name() {
    const Token& token = next();
    if (token.text == "true" || token.text == "True") return literal(Value(true), token.line);
    if (token.text == "false" || token.text == "False") return literal(Value(false), token.line);
    if (token.text == "none" || token.text == "None") return literal(Value::none(), token.line);
    auto name = node(Expr::Kind::Name, token.line);
    name->name = token.text;
    return name;
  }

  ExprPtr parse_list(int line) {
    auto list = node(Expr::Kind::List, line);
    while (!skip_operator("]")) {
      if (!list->operands.empty()) expect_operator(",");
      if (skip_operator("]")) break;
      list->operands.push_back(parse_expression());
    }
    return list;
  }

  ExprPtr parse_dict(int line) {
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

  ExprPtr parse_postfix(ExprPtr value) {
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

  ExprPtr parse_subscript(ExprPtr value, int line) {
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

  // Arguments in parentheses, appended to CALL's operands and keywords.
  void parse_arguments(Expr& call) {
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

  ExprPtr parse_call(ExprPtr callee) {
    auto call = node(Expr::Kind::Call, current().line);
    call->operands.push_back(std::move(callee));
    parse_arguments(*call);
    return call;
  }

  ExprPtr parse_filters_and_tests(ExprPtr value) {
    for (;;) {
      if (at_operator("|")) {
        const int line = next().line;
        auto filter = node(Expr::Kind::Filter, line, expect_name(), std::move(value));
        if (!has_filter(filter->name)) throw TemplateError(name_, line, "No filter named '" + filter->name + "'.");
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

  bool starts_test_argument() const {
    const Token& t = current();
    if (t.type == Type::Name) return t.text != "else" && t.text != "or" && t.text != "and";
    if (t.type == Type::String || t.type == Type::Integer || t.type == Type::Float) return true;
    return t.type == Type::Operator && (t.text == "(" || t.text == "[" || t.text == "{");
  }

  ExprPtr parse_test(ExprPtr value) {
    const int line = next().line;  // is
    const bool negated = skip_name("not");
    auto test = node(Expr::Kind::Test, line, expect_name(), std::move(value));
    if (!has_test(test->name)) throw TemplateError(name_, line, "No test named '" + test->name + "'.");
    test->negated = negated;
    if (at_operator("(")) {
      parse_arguments(*test);
    } else if (starts_test_argument()) {
      if (at_name("is")) fail("You cannot chain multiple tests with is");
      test->operands.push_back(parse_postfix(parse_primary()));
    }
    return test;
  }

  const std::vector<Token>& tokens_;
  const std::string& name_;
  size_t pos_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens, const std::string& name) { return Parser(tokens, name).parse_template(); }

}  // namespace anvil::chat
