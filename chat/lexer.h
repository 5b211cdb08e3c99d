#pragma once
// Splits a template's source into text and the tokens inside its tags, as
// jinja2's lexer does with trim_blocks and lstrip_blocks on: `-` and `+`
// whitespace control, comments dropped, one trailing newline dropped.
#include <cstdint>
#include <string>
#include <vector>

namespace anvil::chat {

struct Token {
  enum class Type { Text, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, End };
  Type type;
  std::string text;  // Text's text, a name, an operator, a string's value
  int64_t integer = 0;
  double real = 0;
  int line = 1;
};

// Throws TemplateError naming NAME and the line of a malformed tag. Without
// CHAT_SETTINGS the lexer is jinja2's default one with keep_trailing_newline:
// no trim_blocks, no lstrip_blocks, the source's last newline kept.
std::vector<Token> tokenize(const std::string& source, const std::string& name, bool chat_settings = true);

}  // namespace anvil::chat
