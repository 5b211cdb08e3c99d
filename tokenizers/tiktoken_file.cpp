// tiktoken's BPE file (one "base64-token rank" per line), as Meta ships Llama 3's
// tokenizer.model: the family is recognised from the file, which does not name it.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_set>

#include "tokenizers/byte_level.h"
#include "tokenizers/loaders.h"

namespace anvil::tokenizers {
namespace {

// Meta's Llama 3 tokenizer.py.
const char kLlama3Pattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr int32_t kLlama3Ranks = 128000;
constexpr int32_t kLlama3SpecialTokens = 256;

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool decode_base64(std::string_view text, std::string& out) {
  out.clear();
  uint32_t bits = 0;
  int count = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    const int v = base64_value(text[i]);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  for (; i < text.size(); ++i)
    if (text[i] != '=') return false;
  return !out.empty();
}

// Meta's names for ids 128000..128255.
std::string llama3_special_name(int32_t index) {
  static const char* const kNamed[] = {"begin_of_text",           "end_of_text",           "reserved_special_token_0",
                                       "reserved_special_token_1", "finetune_right_pad_id", "reserved_special_token_2",
                                       "start_header_id",          "end_header_id",         "eom_id",
                                       "eot_id",                   "python_tag"};
  constexpr int32_t kNamedCount = sizeof(kNamed) / sizeof(kNamed[0]);
  const std::string name =
      index < kNamedCount ? kNamed[index] : "reserved_special_token_" + std::to_string(3 + index - kNamedCount);
  return "<|" + name + "|>";
}

BpeModel::Vocab read_ranks(const std::string& bytes, const std::string& file) {
  BpeModel::Vocab vocab;
  std::unordered_set<int32_t> ranks;
  std::string token;
  size_t line_start = 0, number = 0;
  while (line_start < bytes.size()) {
    size_t line_end = bytes.find('\n', line_start);
    if (line_end == std::string::npos) line_end = bytes.size();
    const std::string_view line(bytes.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    ++number;
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    int32_t rank = -1;
    try {
      if (space != std::string_view::npos) rank = std::stoi(std::string(line.substr(space + 1)));
    } catch (const std::exception&) {
    }
    if (space == std::string_view::npos || rank < 0 || !decode_base64(line.substr(0, space), token)) {
      throw std::runtime_error(file + " line " + std::to_string(number) +
                               ": expected a tiktoken line \"<base64 token> <rank>\"");
    }
    if (!vocab.emplace(to_byte_level(token), rank).second)
      throw std::runtime_error(file + " line " + std::to_string(number) + ": a token listed twice");
    if (!ranks.insert(rank).second)  // tiktoken refuses these too: one id would decode two ways
      throw std::runtime_error(file + " line " + std::to_string(number) + ": rank " + std::to_string(rank) +
                               " given twice");
  }
  return vocab;
}

}  // namespace

Pipeline pipeline_from_tiktoken(const std::string& bytes, const std::string& file, FormatDefaults& defaults) {
  BpeModel::Vocab vocab = read_ranks(bytes, file);
  const auto first = vocab.find("!");
  if (static_cast<int32_t>(vocab.size()) != kLlama3Ranks || first == vocab.end() || first->second != 0) {
    throw std::runtime_error(file + ": unknown tiktoken file (" + std::to_string(vocab.size()) +
                             " ranks): anvil knows Llama 3's, 128000 ranks from \"!\"");
  }
  // HF's Llama 3 tokenizer.json: the split, then bytes to byte-level characters; whole words first.
  Pipeline pipeline;
  BpeOptions options;
  options.ignore_merges = true;
  pipeline.model = std::make_unique<BpeModel>(BpeModel::from_ranks(std::move(vocab), options));
  const std::string origin = file + " (Llama 3)";
  const nlohmann::json split = {
      {"type", "Split"}, {"pattern", {{"Regex", kLlama3Pattern}}}, {"behavior", "Isolated"}, {"invert", false}};
  const nlohmann::json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  pipeline.pre_tokenizer = pre_tokenizer_from_json({{"type", "Sequence"}, {"pretokenizers", {split, byte_level}}}, origin);
  pipeline.decoder = decoder_from_json({{"type", "ByteLevel"}}, origin);
  for (int32_t i = 0; i < kLlama3SpecialTokens; ++i) {
    AddedToken token;
    token.content = llama3_special_name(i);
    token.id = kLlama3Ranks + i;
    token.special = true;
    token.normalized = false;
    pipeline.added.add(std::move(token));
  }
  pipeline.post_processor.before = {kLlama3Ranks};  // <|begin_of_text|>
  defaults.special_tokens = {{"bos_token", llama3_special_name(0)},
                             {"eos_token", llama3_special_name(1)},
                             {"pad_token", llama3_special_name(4)}};
  // Meta's stop tokens: end_of_text, eom_id, eot_id.
  defaults.end_ids = {kLlama3Ranks + 1, kLlama3Ranks + 8, kLlama3Ranks + 9};
  return pipeline;
}

}  // namespace anvil::tokenizers
