// The "slow" vocab.json + merges.txt, with the pipeline transformers' tokenizer
// class (tokenizer_config.json's tokenizer_class) builds around them.
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "tokenizers/json_fields.h"
#include "tokenizers/loaders.h"

namespace anvil::tokenizers {
namespace {

// Qwen2Tokenizer's PRETOKENIZE_REGEX.
const char kQwen2Pattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::vector<std::pair<std::string, std::string>> read_merges_txt(const std::string& bytes, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream lines(bytes);
  std::string line;
  size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
      throw std::runtime_error(file + " line " + std::to_string(number) + ": expected two tokens separated by a space");
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return merges;
}

BpeModel::Vocab read_vocab_json(const std::string& bytes, const std::string& file) {
  const nlohmann::json vocab_json = parse_json(bytes, file);
  if (!vocab_json.is_object()) throw std::runtime_error(file + ": expected an object of token: id");
  BpeModel::Vocab vocab;
  vocab.reserve(vocab_json.size());
  for (auto it = vocab_json.begin(); it != vocab_json.end(); ++it) {
    vocab.emplace(it.key(), token_id(it.value(), file, "'" + it.key() + "'"));
  }
  return vocab;
}

nlohmann::json byte_level(bool add_prefix_space, bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space}, {"use_regex", use_regex}};
}

}  // namespace

std::string tokenizer_class_of(const nlohmann::json& config, const nlohmann::json& model_config) {
  if (config.is_object() && config.contains("tokenizer_class") && config["tokenizer_class"].is_string())
    return config["tokenizer_class"].get<std::string>();
  const std::string model_type =
      model_config.is_object() && model_config.contains("model_type") && model_config["model_type"].is_string()
          ? model_config["model_type"].get<std::string>()
          : "";
  if (model_type == "gpt2") return "GPT2Tokenizer";
  if (model_type == "qwen2") return "Qwen2Tokenizer";
  return "";
}

std::map<std::string, std::string> class_default_special_tokens(const std::string& tokenizer_class) {
  if (tokenizer_class == "GPT2Tokenizer" || tokenizer_class == "GPT2TokenizerFast")
    return {{"bos_token", "<|endoftext|>"}, {"eos_token", "<|endoftext|>"}, {"unk_token", "<|endoftext|>"}};
  if (tokenizer_class == "Qwen2Tokenizer" || tokenizer_class == "Qwen2TokenizerFast")
    return {{"eos_token", "<|endoftext|>"}, {"unk_token", "<|endoftext|>"}, {"pad_token", "<|endoftext|>"}};
  if (tokenizer_class == "LlamaTokenizer" || tokenizer_class == "LlamaTokenizerFast")
    return {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}};
  return {};
}

Pipeline pipeline_from_vocab_merges(const std::string& vocab_bytes, const std::string& vocab_file,
                                    const std::string& merges_bytes, const std::string& merges_file,
                                    const std::string& tokenizer_class, bool add_prefix_space) {
  Pipeline pipeline;
  BpeOptions options;  // both classes: no unk token, no affixes
  pipeline.model = std::make_unique<BpeModel>(BpeModel::from_merges(
      read_vocab_json(vocab_bytes, vocab_file), read_merges_txt(merges_bytes, merges_file), options, merges_file));
  const std::string origin = vocab_file + " (" + tokenizer_class + ")";
  if (tokenizer_class == "GPT2Tokenizer" || tokenizer_class == "GPT2TokenizerFast" || tokenizer_class.empty()) {
    pipeline.pre_tokenizer = pre_tokenizer_from_json(byte_level(add_prefix_space, true), origin);
  } else if (tokenizer_class == "Qwen2Tokenizer" || tokenizer_class == "Qwen2TokenizerFast") {
    pipeline.normalizer = normalizer_from_json({{"type", "NFC"}}, origin);
    const nlohmann::json split = {
        {"type", "Split"}, {"pattern", {{"Regex", kQwen2Pattern}}}, {"behavior", "Isolated"}, {"invert", false}};
    pipeline.pre_tokenizer = pre_tokenizer_from_json(
        {{"type", "Sequence"}, {"pretokenizers", {split, byte_level(add_prefix_space, false)}}}, origin);
  } else {
    throw std::runtime_error(vocab_file + ": unsupported tokenizer_class '" + tokenizer_class +
                             "' for vocab.json + merges.txt: anvil builds GPT2Tokenizer and Qwen2Tokenizer");
  }
  pipeline.decoder = decoder_from_json({{"type", "ByteLevel"}}, origin);
  return pipeline;
}

}  // namespace anvil::tokenizers
