#pragma once
// Reading the fields of tokenizer.json objects, with errors that name the
// file, the component and the field.
#include <cstdint>
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
// A token id: an integer from 0 below kMaxTokenId; WHAT names the token.
constexpr int64_t kMaxTokenId = int64_t{1} << 24;  // far above any real vocabulary (Gemma's: 262,144)
int32_t token_id(const nlohmann::json& value, const std::string& file, const std::string& what);
// A pattern object {"String": text} or {"Regex": pattern} under "pattern".
Regex pattern_field(const nlohmann::json& object, const std::string& file, const std::string& what);

}  // namespace anvil::tokenizers
