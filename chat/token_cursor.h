#pragma once
// The parser's place in a template's tokens, and the syntax errors it throws
// naming the template and the line.
#include <algorithm>
#include <string>
#include <vector>

#include "chat/lexer.h"
#include "chat/template.h"

namespace anvil::chat {

class TokenCursor {
 protected:
  using Type = Token::Type;

  TokenCursor(const std::vector<Token>& tokens, const std::string& name) : tokens_(tokens), name_(name) {}

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

  const std::string& name() const { return name_; }

 private:
  const std::vector<Token>& tokens_;
  const std::string& name_;
  size_t pos_ = 0;
};

}  // namespace anvil::chat
