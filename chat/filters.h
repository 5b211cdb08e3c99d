#pragma once
// jinja2's filters, with transformers' tojson: `x | trim`, `xs | join(", ")`, ...
#include <string>

#include "chat/value.h"

namespace anvil::chat {

// Throws EvalError for bad arguments.
Value apply_filter(const std::string& name, const Value& value, const CallArgs& args);
// Whether a filter NAME exists: an unknown one fails the template as it parses.
bool has_filter(const std::string& name);

}  // namespace anvil::chat
