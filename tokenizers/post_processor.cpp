#include "tokenizers/post_processor.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tokenizers/json_fields.h"

namespace anvil::tokenizers {
namespace {

// A [token, id] pair of RobertaProcessing and BertProcessing.
int32_t pair_id(const nlohmann::json& config, const char* key, const std::string& file, const std::string& what) {
  const nlohmann::json& pair = required_field(config, key, file, what);
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer())
    throw std::runtime_error(file + ": " + what + " \"" + key + "\" is not a [token, id] pair");
  return pair[1].get<int32_t>();
}

// The "single" template: SpecialToken items before and after the one Sequence item.
PostProcessor template_processing(const nlohmann::json& config, const std::string& file) {
  const std::string what = "TemplateProcessing post-processor";
  const nlohmann::json& special_tokens = required_field(config, "special_tokens", file, what);
  PostProcessor out;
  bool seen_sequence = false;
  for (const auto& item : array_field(config, "single", file, what)) {
    if (item.contains("Sequence")) {
      seen_sequence = true;
      continue;
    }
    const std::string name = string_field(required_field(item, "SpecialToken", file, what), "id", file, what);
    const nlohmann::json& special = required_field(special_tokens, name.c_str(), file, what + " special_tokens");
    for (const auto& id : array_field(special, "ids", file, what + " special token " + name))
      (seen_sequence ? out.after : out.before).push_back(id.get<int32_t>());
  }
  return out;
}

}  // namespace

PostProcessor post_processor_from_json(const nlohmann::json& config, const std::string& file) {
  if (config.is_null()) return {};
  const std::string type = string_field(config, "type", file, "post_processor");
  if (type == "TemplateProcessing") return template_processing(config, file);
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    const std::string what = type + " post-processor";
    return {{pair_id(config, "cls", file, what)}, {pair_id(config, "sep", file, what)}};
  }
  if (type == "ByteLevel") return {};
  if (type == "Sequence") {
    PostProcessor out;
    for (const auto& step : array_field(config, "processors", file, "Sequence post-processor")) {
      PostProcessor inner = post_processor_from_json(step, file);
      // Each step wraps what the steps before it made.
      out.before.insert(out.before.begin(), inner.before.begin(), inner.before.end());
      out.after.insert(out.after.end(), inner.after.begin(), inner.after.end());
    }
    return out;
  }
  throw std::runtime_error(file + ": unsupported post_processor type '" + type + "'");
}

}  // namespace anvil::tokenizers
