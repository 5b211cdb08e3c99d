// A sentencepiece BPE model (tokenizer.model, protobuf), converted to the BPE
// pipeline transformers 5 builds from it (SpmConverter.build_tokenizer_from_spm_proto,
// legacy mode): merges ranked by piece score, the model's normalizer spec as
// Replace normalizers, Metaspace, and user-defined pieces kept whole.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

#include "tokenizers/loaders.h"
#include "tokenizers/sentencepiece_proto.h"

namespace anvil::tokenizers {
namespace {

using PieceType = SentencePieceModel::PieceType;
const char kMetaspace[] = "\xE2\x96\x81";  // U+2581

// Every split of a normal piece into two normal pieces is a merge, the
// pieces of higher score first, then by id, then by the two parts.
std::vector<std::pair<std::string, std::string>> merges_by_score(const SentencePieceModel& model) {
  std::unordered_map<std::string, size_t> normal;
  for (size_t i = 0; i < model.pieces.size(); ++i)
    if (model.pieces[i].type == PieceType::kNormal) normal.emplace(model.pieces[i].piece, i);
  std::vector<std::tuple<float, size_t, std::string, std::string>> ranked;
  for (const auto& [token, id] : normal) {
    for (size_t cut = 1; cut < token.size(); ++cut) {
      if ((static_cast<unsigned char>(token[cut]) & 0xC0) == 0x80) continue;  // splits fall between characters
      std::string left = token.substr(0, cut), right = token.substr(cut);
      if (normal.count(left) && normal.count(right))
        ranked.emplace_back(-model.pieces[id].score, id, std::move(left), std::move(right));
    }
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(ranked.size());
  for (auto& [score, id, left, right] : ranked) merges.emplace_back(std::move(left), std::move(right));
  return merges;
}

std::string regex_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

nlohmann::json replace(const nlohmann::json& pattern, const std::string& content) {
  return {{"type", "Replace"}, {"pattern", pattern}, {"content", content}};
}

nlohmann::json normalizer_json(const SentencePieceModel& model) {
  nlohmann::json steps = nlohmann::json::array();
  if (model.remove_extra_whitespaces) {
    steps.push_back(replace({{"Regex", R"(\A +| +\z)"}}, ""));
    steps.push_back(replace({{"Regex", " {2,}"}}, " "));
  }
  if (model.escape_whitespaces) steps.push_back(replace({{"String", " "}}, kMetaspace));
  // sentencepiece adds its dummy prefix even to text that begins with one; Metaspace would not.
  if (model.add_dummy_prefix) steps.push_back(replace({{"Regex", std::string("\\A") + kMetaspace}}, std::string(kMetaspace) + kMetaspace));
  return {{"type", "Sequence"}, {"normalizers", steps}};
}

nlohmann::json pre_tokenizer_json(const SentencePieceModel& model, const std::vector<std::string>& user_defined) {
  nlohmann::json steps = nlohmann::json::array();
  if (model.add_dummy_prefix)
    steps.push_back({{"type", "Metaspace"}, {"replacement", kMetaspace}, {"prepend_scheme", "always"}, {"split", false}});
  if (!user_defined.empty()) {
    std::vector<std::string> longest_first = user_defined;
    std::stable_sort(longest_first.begin(), longest_first.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    std::string alternation;
    for (const std::string& piece : longest_first) alternation += (alternation.empty() ? "" : "|") + regex_escape(piece);
    steps.push_back({{"type", "Split"}, {"pattern", {{"Regex", alternation}}}, {"behavior", "Isolated"}, {"invert", false}});
  }
  return {{"type", "Sequence"}, {"pretokenizers", steps}};
}

nlohmann::json decoder_json(const SentencePieceModel& model) {
  // ::array: a braced list of one json value copies it under clang (CWG 2137), not an array of it.
  nlohmann::json steps = nlohmann::json::array({replace({{"String", kMetaspace}}, " ")});
  if (model.byte_fallback) steps.push_back({{"type", "ByteFallback"}});
  if (model.add_dummy_prefix) {
    steps.push_back({{"type", "Fuse"}});
    steps.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  } else if (model.byte_fallback) {
    steps.push_back({{"type", "Fuse"}});
  }
  return {{"type", "Sequence"}, {"decoders", steps}};
}

const std::string& piece_or_empty(const SentencePieceModel& model, int32_t id) {
  static const std::string empty;
  return id >= 0 && static_cast<size_t>(id) < model.pieces.size() ? model.pieces[static_cast<size_t>(id)].piece : empty;
}

}  // namespace

Pipeline pipeline_from_sentencepiece(const std::string& bytes, const std::string& file, const nlohmann::json& config,
                                     FormatDefaults& defaults) {
  const SentencePieceModel model = parse_sentencepiece_model(bytes, file);
  if (model.model_type != 2) {
    throw std::runtime_error(file + ": unsupported sentencepiece model type " + std::to_string(model.model_type) +
                             ": anvil reads BPE models (type 2)");
  }
  if (!model.precompiled_charsmap.empty())
    throw std::runtime_error(file + ": unsupported normalizer type 'Precompiled' (a sentencepiece charsmap)");
  BpeModel::Vocab vocab;
  std::vector<std::string> user_defined;
  for (size_t i = 0; i < model.pieces.size(); ++i) {
    vocab.emplace(model.pieces[i].piece, static_cast<int32_t>(i));
    if (model.pieces[i].type == PieceType::kUserDefined) user_defined.push_back(model.pieces[i].piece);
  }
  BpeOptions options;
  options.unk_token = model.unk_piece;
  options.fuse_unk = true;
  options.byte_fallback = model.byte_fallback;
  options.ignore_merges = !user_defined.empty();
  const std::string origin = file + " (sentencepiece)";
  Pipeline pipeline;
  pipeline.model = std::make_unique<BpeModel>(BpeModel::from_merges(std::move(vocab), merges_by_score(model), options, origin));
  pipeline.normalizer = normalizer_from_json(normalizer_json(model), origin);
  pipeline.pre_tokenizer = pre_tokenizer_from_json(pre_tokenizer_json(model, user_defined), origin);
  pipeline.decoder = decoder_from_json(decoder_json(model), origin);
  // Control pieces are special added tokens, user-defined ones plain added tokens.
  for (size_t i = 0; i < model.pieces.size(); ++i) {
    const PieceType type = model.pieces[i].type;
    if (type != PieceType::kControl && type != PieceType::kUserDefined && type != PieceType::kUnknown) continue;
    AddedToken token;
    token.content = model.pieces[i].piece;
    token.id = static_cast<int32_t>(i);
    token.special = type != PieceType::kUserDefined;
    token.normalized = false;
    pipeline.added.add(std::move(token));
  }
  // BOS before the text, as LlamaTokenizer and sentencepiece's users add it; a config may say otherwise.
  const bool add_bos = !(config.is_object() && config.contains("add_bos_token") && config["add_bos_token"].is_boolean() &&
                         !config["add_bos_token"].get<bool>());
  if (add_bos && model.bos_id >= 0) pipeline.post_processor.before = {model.bos_id};
  if (model.bos_id >= 0) defaults.special_tokens["bos_token"] = piece_or_empty(model, model.bos_id);
  if (model.eos_id >= 0) defaults.special_tokens["eos_token"] = piece_or_empty(model, model.eos_id);
  if (model.unk_id >= 0) defaults.special_tokens["unk_token"] = piece_or_empty(model, model.unk_id);
  if (model.pad_id >= 0) defaults.special_tokens["pad_token"] = piece_or_empty(model, model.pad_id);
  return pipeline;
}

}  // namespace anvil::tokenizers
