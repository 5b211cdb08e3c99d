#include "tokenizers/special_tokens.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace anvil::tokenizers {
namespace {

// transformers' SPECIAL_TOKENS_ATTRIBUTES.
const char* const kNamedTokens[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                    "pad_token", "cls_token", "mask_token"};

// A token is a string or an AddedToken object {"content": ...}; null unsets it.
void override_from(const nlohmann::json& source, const char* file, std::map<std::string, std::string>& named) {
  if (!source.is_object()) return;
  for (const char* key : kNamedTokens) {
    const auto it = source.find(key);
    if (it == source.end()) continue;
    if (it->is_null()) named.erase(key);
    else if (it->is_string()) named[key] = it->get<std::string>();
    else if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
      named[key] = (*it)["content"].get<std::string>();
    else  // transformers refuses these too
      throw std::runtime_error(std::string(file) + ": " + key + " is " + it->dump() +
                               ": expected a string, an object with a \"content\" string, or null");
  }
}

int32_t id_of(const Pipeline& pipeline, const std::map<std::string, std::string>& named, const char* key) {
  const auto it = named.find(key);
  if (it == named.end()) return -1;
  return pipeline.token_to_id(it->second).value_or(-1);
}

std::string text_of(const std::map<std::string, std::string>& named, const char* key) {
  const auto it = named.find(key);
  return it == named.end() ? "" : it->second;
}

}  // namespace

std::map<std::string, std::string> resolve_named_tokens(std::map<std::string, std::string> defaults,
                                                        const nlohmann::json& config,
                                                        const nlohmann::json& special_tokens_map) {
  override_from(config, "tokenizer_config.json", defaults);
  const bool legacy = !(config.is_object() && config.contains("added_tokens_decoder"));
  if (legacy) override_from(special_tokens_map, "special_tokens_map.json", defaults);
  return defaults;
}

void add_named_tokens(const std::map<std::string, std::string>& named, Pipeline& pipeline) {
  for (const auto& [key, content] : named) {
    if (content.empty() || pipeline.added.find(content) != nullptr) continue;
    AddedToken token;
    token.content = content;
    token.id = pipeline.model->token_to_id(content).value_or(pipeline.max_id() + 1);
    token.special = true;
    token.normalized = false;
    pipeline.added.add(std::move(token));
  }
}

SpecialTokens special_tokens_of(const std::map<std::string, std::string>& named, const Pipeline& pipeline,
                                const nlohmann::json& generation_config, const std::vector<int32_t>& default_end_ids,
                                const std::string& generation_file) {
  SpecialTokens out;
  out.bos = text_of(named, "bos_token");
  out.eos = text_of(named, "eos_token");
  out.pad = text_of(named, "pad_token");
  out.unk = text_of(named, "unk_token");
  out.bos_id = id_of(pipeline, named, "bos_token");
  out.eos_id = id_of(pipeline, named, "eos_token");
  out.pad_id = id_of(pipeline, named, "pad_token");
  out.unk_id = id_of(pipeline, named, "unk_token");
  out.template_variables = named;
  const nlohmann::json* eos = generation_config.is_object() && generation_config.contains("eos_token_id")
                                  ? &generation_config["eos_token_id"]
                                  : nullptr;
  if (eos != nullptr && eos->is_number_integer()) {
    out.end_ids = {eos->get<int32_t>()};
  } else if (eos != nullptr && eos->is_array()) {
    for (const auto& id : *eos) {
      if (!id.is_number_integer()) throw std::runtime_error(generation_file + ": eos_token_id holds a non-integer");
      out.end_ids.push_back(id.get<int32_t>());
    }
  } else if (eos != nullptr && !eos->is_null()) {
    throw std::runtime_error(generation_file + ": eos_token_id is neither an id nor a list of ids");
  } else if (!default_end_ids.empty()) {
    out.end_ids = default_end_ids;
  } else if (out.eos_id >= 0) {
    out.end_ids = {out.eos_id};
  }
  return out;
}

}  // namespace anvil::tokenizers
