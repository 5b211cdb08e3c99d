#pragma once
// jinja2's tests: `x is defined`, `n is divisibleby 3`, ...
#include <string>

#include "chat/value.h"

namespace anvil::chat {

// Throws EvalError for a test jinja2 does not have.
bool apply_test(const std::string& name, const Value& value, const CallArgs& args);
// Whether jinja2 has a test NAME: an unknown one fails the template as it parses.
bool has_test(const std::string& name);

}  // namespace anvil::chat
