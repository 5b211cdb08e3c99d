// tokenizer.json, the `tokenizers` library's own serialization.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tokenizers/json_fields.h"
#include "tokenizers/loaders.h"

namespace anvil::tokenizers {
namespace {

std::optional<std::string> optional_string(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// Merges are "left right" strings in older files and [left, right] pairs in newer ones.
std::vector<std::pair<std::string, std::string>> read_merges(const nlohmann::json& merges, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(merges.size());
  for (const auto& merge : merges) {
    if (merge.is_string()) {
      const std::string text = merge.get<std::string>();
      const size_t space = text.find(' ');
      if (space == std::string::npos)
        throw std::runtime_error(file + ": merge '" + text + "' is not two tokens separated by a space");
      out.emplace_back(text.substr(0, space), text.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      out.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      throw std::runtime_error(file + ": a merge is neither \"left right\" nor [left, right]");
    }
  }
  return out;
}

std::unique_ptr<BpeModel> bpe_from_json(const nlohmann::json& model, const std::string& file) {
  const std::string type = model.contains("type") ? string_field(model, "type", file, "model") : "BPE";
  if (type != "BPE") throw std::runtime_error(file + ": unsupported model type '" + type + "': anvil reads BPE");
  const nlohmann::json& vocab_json = required_field(model, "vocab", file, "BPE model");
  if (!vocab_json.is_object()) throw std::runtime_error(file + ": BPE model \"vocab\" is not an object");
  BpeModel::Vocab vocab;
  vocab.reserve(vocab_json.size());
  for (auto it = vocab_json.begin(); it != vocab_json.end(); ++it)
    vocab.emplace(it.key(), token_id(it.value(), file, "'" + it.key() + "'"));
  BpeOptions options;
  options.unk_token = optional_string(model, "unk_token");
  options.continuing_subword_prefix = optional_string(model, "continuing_subword_prefix").value_or("");
  options.end_of_word_suffix = optional_string(model, "end_of_word_suffix").value_or("");
  options.fuse_unk = bool_field(model, "fuse_unk", false);
  options.byte_fallback = bool_field(model, "byte_fallback", false);
  options.ignore_merges = bool_field(model, "ignore_merges", false);
  const auto merges = read_merges(array_field(model, "merges", file, "BPE model"), file);
  return std::make_unique<BpeModel>(BpeModel::from_merges(std::move(vocab), merges, options, file));
}

template <typename Part, typename FromJson>
std::unique_ptr<Part> optional_part(const nlohmann::json& root, const char* key, const std::string& file,
                                    FromJson from_json) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) return nullptr;
  return from_json(*it, file);
}

}  // namespace

nlohmann::json parse_json(const std::string& bytes, const std::string& file) {
  try {
    return nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(file + ": not valid JSON: " + e.what());
  }
}

AddedToken added_token_from_json(const nlohmann::json& object, int32_t id, const std::string& file) {
  AddedToken token;
  token.content = string_field(object, "content", file, "added token");
  token.id = id;
  token.special = bool_field(object, "special", false);
  token.single_word = bool_field(object, "single_word", false);
  token.lstrip = bool_field(object, "lstrip", false);
  token.rstrip = bool_field(object, "rstrip", false);
  token.normalized = bool_field(object, "normalized", !token.special);
  return token;
}

Pipeline pipeline_from_tokenizer_json(const std::string& bytes, const std::string& file) {
  const nlohmann::json root = parse_json(bytes, file);
  if (!root.is_object()) throw std::runtime_error(file + ": expected a tokenizer.json object");
  Pipeline pipeline;
  pipeline.model = bpe_from_json(required_field(root, "model", file, "tokenizer.json"), file);
  pipeline.normalizer = optional_part<Normalizer>(root, "normalizer", file, normalizer_from_json);
  pipeline.pre_tokenizer = optional_part<PreTokenizer>(root, "pre_tokenizer", file, pre_tokenizer_from_json);
  pipeline.decoder = optional_part<Decoder>(root, "decoder", file, decoder_from_json);
  if (root.contains("post_processor")) pipeline.post_processor = post_processor_from_json(root["post_processor"], file);
  if (root.contains("added_tokens")) {
    for (const auto& token : array_field(root, "added_tokens", file, "tokenizer.json")) {
      const nlohmann::json& id = required_field(token, "id", file, "added token");
      pipeline.added.add(added_token_from_json(token, token_id(id, file, "an added token"), file));
    }
  }
  return pipeline;
}

void add_tokens_from_config(const nlohmann::json& config, const std::string& file, AddedVocabulary& added) {
  if (!config.is_object() || !config.contains("added_tokens_decoder")) return;
  const nlohmann::json& decoder = config["added_tokens_decoder"];
  if (!decoder.is_object()) throw std::runtime_error(file + ": \"added_tokens_decoder\" is not an object");
  for (auto it = decoder.begin(); it != decoder.end(); ++it) {
    int32_t id = -1;
    try {
      id = std::stoi(it.key());
    } catch (const std::exception&) {
      throw std::runtime_error(file + ": added_tokens_decoder key '" + it.key() + "' is not a token id");
    }
    AddedToken token = added_token_from_json(it.value(), id, file);
    if (added.find(token.content) == nullptr) added.add(std::move(token));
  }
}

}  // namespace anvil::tokenizers
