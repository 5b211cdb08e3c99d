#include "tokenizers/json_fields.h"

#include <stdexcept>

namespace anvil::tokenizers {

int32_t token_id(const nlohmann::json& value, const std::string& file, const std::string& what) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() >= kMaxTokenId)
    throw std::runtime_error(file + ": the id of " + what + " is " + value.dump() + ", not an integer from 0 to " +
                             std::to_string(kMaxTokenId - 1));
  return static_cast<int32_t>(value.get<int64_t>());
}

const nlohmann::json& required_field(const nlohmann::json& object, const char* key, const std::string& file,
                                     const std::string& what) {
  if (!object.is_object()) throw std::runtime_error(file + ": " + what + " is not a JSON object");
  const auto it = object.find(key);
  if (it == object.end()) throw std::runtime_error(file + ": " + what + " has no \"" + key + "\"");
  return *it;
}

std::string string_field(const nlohmann::json& object, const char* key, const std::string& file,
                         const std::string& what) {
  const nlohmann::json& value = required_field(object, key, file, what);
  if (!value.is_string()) throw std::runtime_error(file + ": " + what + " \"" + key + "\" is not a string");
  return value.get<std::string>();
}

bool bool_field(const nlohmann::json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

const nlohmann::json& array_field(const nlohmann::json& object, const char* key, const std::string& file,
                                  const std::string& what) {
  const nlohmann::json& value = required_field(object, key, file, what);
  if (!value.is_array()) throw std::runtime_error(file + ": " + what + " \"" + key + "\" is not a list");
  return value;
}

Regex pattern_field(const nlohmann::json& object, const std::string& file, const std::string& what) {
  const nlohmann::json& pattern = required_field(object, "pattern", file, what);
  if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string())
    return Regex::literal(pattern["String"].get<std::string>());
  if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string())
    return Regex(pattern["Regex"].get<std::string>());
  throw std::runtime_error(file + ": " + what + " \"pattern\" is neither {\"String\": ...} nor {\"Regex\": ...}");
}

}  // namespace anvil::tokenizers
