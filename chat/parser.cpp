#include "chat/parser.h"

#include <initializer_list>

#include "chat/expression_parser.h"

namespace anvil::chat {
namespace {

// Statements ({% ... %} blocks, {{ ... }} prints, text); their expressions
// through ExpressionParser, on the same tokens.
class StatementParser : public ExpressionParser {
 public:
  using ExpressionParser::ExpressionParser;

  Body parse_template() { return parse_body({}); }

 private:
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
    throw TemplateError(name(), line, "encountered unknown tag '" + keyword + "'");
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
};

}  // namespace

Body parse(const std::vector<Token>& tokens, const std::string& name) {
  return StatementParser(tokens, name).parse_template();
}

}  // namespace anvil::chat
