#pragma once
// Attribute, item and slice access as jinja2's sandbox does it: `x.name`
// tries an attribute (a method) before a dict key, `x[key]` a key before an
// attribute, and what is missing is undefined rather than an error.
#include <optional>
#include <string>

#include "chat/value.h"

namespace anvil::chat {

Value get_attribute(const Value& object, const std::string& name);
Value get_item(const Value& object, const Value& key);
// OBJECT[start:stop:step] on a string or a list; an absent part is nullopt.
Value slice(const Value& object, std::optional<int64_t> start, std::optional<int64_t> stop,
            std::optional<int64_t> step);

}  // namespace anvil::chat
