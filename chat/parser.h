#pragma once
// Parses a template's tokens into statements, with jinja2's grammar and
// operator precedence.
#include <string>
#include <vector>

#include "chat/ast.h"
#include "chat/lexer.h"

namespace anvil::chat {

// Throws TemplateError naming NAME and the line of the first syntax error.
Body parse(const std::vector<Token>& tokens, const std::string& name);

}  // namespace anvil::chat
