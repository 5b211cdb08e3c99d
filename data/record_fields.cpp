#include "data/record_fields.h"

#include <nlohmann/json.hpp>

#include "data/text_lines.h"

namespace anvil::data {

const std::string& string_field(const nlohmann::ordered_json& record, const std::string& field, const std::string& path,
                                int64_t line) {
  const auto it = record.find(field);
  if (it == record.end()) throw error_at(path, line, "no field '" + field + "' (fields: " + field_names(record) + ")");
  if (!it->is_string())
    throw error_at(path, line, "field '" + field + "' is not a string but " + std::string(it->type_name()));
  return it->get_ref<const std::string&>();
}

}  // namespace anvil::data
