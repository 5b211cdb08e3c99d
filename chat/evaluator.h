#pragma once
// Renders a parsed template: statements run in jinja2's scopes (a for loop's
// body and a macro's body have their own; if does not), expressions evaluate
// to values.
#include <string>

#include "chat/ast.h"
#include "chat/value.h"

namespace anvil::chat {

// VARIABLES shadow the globals. Errors are TemplateError naming NAME and
// the line; raise_exception throws TemplateRaised. STRICT: printing an
// undefined value is an error, as under jinja2's StrictUndefined.
std::string render_body(const Body& body, const std::string& name, const Dict& variables, bool strict = false);

}  // namespace anvil::chat
