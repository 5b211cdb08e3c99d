#pragma once
// Reading the fields of tokenizer.json objects, with errors that name the
// file, the component and the field.
#include <string>

#include <nlohmann/json.hpp>

#include "tokenizers/regex.h"

namespace anvil::tokenizers {

const nlohmann::json& required_field(const nlohmann::json& object, const char* key, const std::string& file,
                                     const std::string& what);
std::string string_field(const nlohmann::json& object, const char* key, const std::string& file,
                         const std::string& what);
bool bool_field(const nlohmann::json& object, const char* key, bool fallback);
const nlohmann::json& array_field(const nlohmann::json& object, const char* key, const std::string& file,
                                  const std::string& what);
// A pattern object {"String": text} or {"Regex": pattern} under "pattern".
Regex pattern_field(const nlohmann::json& object, const std::string& file, const std::string& what);

}  // namespace anvil::tokenizers
