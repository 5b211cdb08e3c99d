#pragma once
// Python's arithmetic and membership on template values, with jinja2's `~`.
#include <string>

#include "chat/value.h"

namespace anvil::chat {

// OP: + - * / // % ** ~
Value binary_operation(const std::string& op, const Value& a, const Value& b);
// OP: - +
Value unary_operation(const std::string& op, const Value& a);
// ITEM in CONTAINER
bool contains(const Value& container, const Value& item);

}  // namespace anvil::chat
