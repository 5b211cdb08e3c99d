#pragma once
// The Python methods templates call on strings, dicts and lists:
// "a,b".split(","), message.get("content"), ...
#include <optional>
#include <string>

#include "chat/value.h"

namespace anvil::chat {

// OBJECT.NAME bound to OBJECT, or nullopt when OBJECT has no such method.
// The sandbox's unsafe methods (list.append, dict.update, ...) are
// undefined values whose call fails as jinja2's ImmutableSandboxedEnvironment
// fails it.
std::optional<Value> bound_method(const Value& object, const std::string& name);

}  // namespace anvil::chat
