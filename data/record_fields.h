#pragma once
// Fields of one jsonl record, with errors that name the file and line and,
// for a missing field, the fields the record has.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace anvil::data {

// The string value of `field`; throws when it is missing or not a string.
const std::string& string_field(const nlohmann::ordered_json& record, const std::string& field, const std::string& path,
                                int64_t line);

}  // namespace anvil::data
