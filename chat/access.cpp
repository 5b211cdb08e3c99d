#include "chat/access.h"

#include "chat/methods.h"
#include "chat/utf8.h"

namespace anvil::chat {
namespace {

// jinja2's wording for what a missing attribute or item would have been.
Value missing_attribute(const Value& object, const std::string& name) {
  return Value::undefined("'" + object.type_name() + " object' has no attribute '" + name + "'");
}

Value missing_element(const Value& object, const Value& key) {
  return Value::undefined(object.type_name() + " object has no element " + to_repr(key));
}

// Python's index into a sequence of SIZE: negative counts from the end.
std::optional<size_t> resolve_index(int64_t index, size_t size) {
  if (index < 0) index += static_cast<int64_t>(size);
  if (index < 0 || index >= static_cast<int64_t>(size)) return std::nullopt;
  return static_cast<size_t>(index);
}

// The indices a Python slice visits in a sequence of SIZE.
std::vector<size_t> slice_indices(int64_t size, std::optional<int64_t> start, std::optional<int64_t> stop,
                                  int64_t step) {
  auto clamp = [&](std::optional<int64_t> bound, int64_t if_absent) {
    if (!bound) return if_absent;
    int64_t i = *bound < 0 ? *bound + size : *bound;
    if (step > 0) return std::min(std::max<int64_t>(i, 0), size);
    return std::min(std::max<int64_t>(i, -1), size - 1);
  };
  const int64_t first = clamp(start, step > 0 ? 0 : size - 1);
  const int64_t end = clamp(stop, step > 0 ? size : -1);
  std::vector<size_t> indices;
  for (int64_t i = first; step > 0 ? i < end : i > end; i += step) indices.push_back(static_cast<size_t>(i));
  return indices;
}

}  // namespace

Value get_attribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) object.fail_undefined();
  if (std::optional<Value> method = bound_method(object, name)) return *method;
  if (object.is_dict() || object.kind() == Value::Kind::Namespace)
    if (const Value* found = object.lookup(Value(name))) return *found;
  return missing_attribute(object, name);
}

Value get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) object.fail_undefined();
  if (object.is_dict()) {
    if (const Value* found = object.lookup(key)) return *found;
  } else if ((object.is_list() || object.is_string()) && (key.kind() == Value::Kind::Int ||
                                                          key.kind() == Value::Kind::Bool)) {
    if (object.is_list()) {
      const auto index = resolve_index(key.as_int(), object.items().size());
      return index ? object.items()[*index] : missing_element(object, key);
    }
    const std::u32string chars = decode_utf8(object.as_string());
    const auto index = resolve_index(key.as_int(), chars.size());
    return index ? Value(encode_utf8(chars.substr(*index, 1))) : missing_element(object, key);
  }
  if (key.is_string()) return get_attribute(object, key.as_string());
  return missing_element(object, key);
}

Value slice(const Value& object, std::optional<int64_t> start, std::optional<int64_t> stop,
            std::optional<int64_t> step) {
  if (object.is_undefined()) object.fail_undefined();
  if (step && *step == 0) throw EvalError("slice step cannot be zero");
  const int64_t by = step.value_or(1);
  if (object.is_list()) {
    const List& items = object.items();
    List out;
    for (size_t i : slice_indices(static_cast<int64_t>(items.size()), start, stop, by)) out.push_back(items[i]);
    return Value::list(std::move(out), object.is_tuple());
  }
  if (object.is_string()) {
    const std::u32string chars = decode_utf8(object.as_string());
    std::u32string out;
    for (size_t i : slice_indices(static_cast<int64_t>(chars.size()), start, stop, by)) out.push_back(chars[i]);
    return Value(encode_utf8(out));
  }
  throw EvalError("'" + object.type_name() + "' object is not subscriptable");
}

}  // namespace anvil::chat
