#pragma once
// Building a Pipeline from each file format HF models ship their tokenizer in.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizers/pipeline.h"

namespace anvil::tokenizers {

// What a format says beyond the pipeline: the special tokens its owners'
// code assumes when no config names them, and where generation stops.
struct FormatDefaults {
  std::map<std::string, std::string> special_tokens;  // bos_token, eos_token, ...
  std::vector<int32_t> end_ids;
};

// Errors name the file; `config` is tokenizer_config.json (null when absent).
Pipeline pipeline_from_tokenizer_json(const std::string& bytes, const std::string& file);
Pipeline pipeline_from_vocab_merges(const std::string& vocab_bytes, const std::string& vocab_file,
                                    const std::string& merges_bytes, const std::string& merges_file,
                                    const std::string& tokenizer_class, bool add_prefix_space);
Pipeline pipeline_from_tiktoken(const std::string& bytes, const std::string& file, FormatDefaults& defaults);
Pipeline pipeline_from_sentencepiece(const std::string& bytes, const std::string& file, const nlohmann::json& config,
                                     FormatDefaults& defaults);

// transformers' tokenizer class: the config's tokenizer_class, else the one
// AutoTokenizer maps config.json's model_type to (gpt2, qwen2), else "".
std::string tokenizer_class_of(const nlohmann::json& config, const nlohmann::json& model_config);

// The special tokens transformers' tokenizer class assumes (GPT2Tokenizer,
// Qwen2Tokenizer, LlamaTokenizer); empty for others.
std::map<std::string, std::string> class_default_special_tokens(const std::string& tokenizer_class);

// Reads a tokenizer.json-style added token object.
AddedToken added_token_from_json(const nlohmann::json& object, int32_t id, const std::string& file);
// The added tokens of tokenizer_config.json's added_tokens_decoder.
void add_tokens_from_config(const nlohmann::json& config, const std::string& file, AddedVocabulary& added);

// Parses JSON, throwing std::runtime_error naming `file` when it is not JSON.
nlohmann::json parse_json(const std::string& bytes, const std::string& file);

}  // namespace anvil::tokenizers
