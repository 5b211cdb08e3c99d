#include "data/preference_pairs.h"

#include <nlohmann/json.hpp>

#include "data/batch.h"
#include "data/chat_examples.h"
#include "data/record_fields.h"
#include "data/text_lines.h"

namespace anvil::data {
namespace {

struct PairTexts {
  std::string prompt, chosen, rejected;
};

// A dialogue cut after its last response marker.
std::pair<std::string, std::string> split_dialogue(const std::string& dialogue, const std::string& marker,
                                                   const std::string& field, const std::string& path, int64_t line) {
  const size_t at = dialogue.rfind(marker);
  if (at == std::string::npos)
    throw error_at(path, line, "'" + field + "' has no response marker " + nlohmann::json(marker).dump() +
                                   " (dpo.response_marker)");
  const size_t end = at + marker.size();
  return {dialogue.substr(0, end), dialogue.substr(end)};
}

// The last message, an assistant's, is the response; only its tokens (and
// its end-of-turn token) are trained: the last run of trained tokens.
Example last_turn_example(const nlohmann::ordered_json& messages, const HfTokenizer& tokenizer) {
  ChatTokens chat = chat_tokens(messages, tokenizer);
  size_t last_start = chat.trained.size();
  for (size_t i = chat.trained.size(); i-- > 0;) {
    if (chat.trained[i]) last_start = i;
    else if (last_start != chat.trained.size()) break;
  }
  Example e;
  if (chat.ids.size() < 2) return e;
  e.inputs.assign(chat.ids.begin(), chat.ids.end() - 1);
  for (size_t i = 1; i < chat.ids.size(); ++i)
    e.targets.push_back(chat.trained[i] && i >= last_start ? chat.ids[i] : kIgnoreIndex);
  return e;
}

const nlohmann::ordered_json& messages_field(const nlohmann::ordered_json& record, const std::string& field,
                                             const std::string& path, int64_t line) {
  const auto it = record.find(field);
  if (it == record.end()) throw error_at(path, line, "no field '" + field + "' (fields: " + field_names(record) + ")");
  if (!it->is_array() || it->empty())
    throw error_at(path, line, "'" + field + "' must be a non-empty list of {role, content} messages");
  const auto& last = it->back();
  if (!last.is_object() || last.value("role", "") != "assistant")
    throw error_at(path, line, "the last message of '" + field + "' must be the assistant's response");
  return *it;
}

std::optional<PairExample> messages_pair(const nlohmann::ordered_json& record, const PairOptions& o,
                                         const Tokenizer& tokenizer, const std::string& path, int64_t line,
                                         PairSkip* skipped) {
  const auto* hf = tokenizer.hf();
  if (hf == nullptr) throw error_at(path, line, "dpo.format messages needs a Hugging Face tokenizer with a chat template");
  const auto& chosen = messages_field(record, o.chosen_field, path, line);
  const auto& rejected = messages_field(record, o.rejected_field, path, line);
  auto prefix = [](const nlohmann::ordered_json& m) {
    return nlohmann::ordered_json(std::vector<nlohmann::ordered_json>(m.begin(), m.end() - 1));
  };
  if (prefix(chosen) != prefix(rejected)) {
    *skipped = PairSkip::kNoSharedPrompt;
    return std::nullopt;
  }
  if (chosen == rejected) {
    *skipped = PairSkip::kIdentical;
    return std::nullopt;
  }
  try {
    return PairExample{last_turn_example(chosen, *hf), last_turn_example(rejected, *hf)};
  } catch (const std::runtime_error& e) {
    throw error_at(path, line, e.what());
  }
}

}  // namespace

std::optional<PairExample> pair_example(const nlohmann::ordered_json& record, const PairOptions& o,
                                        const Tokenizer& tokenizer, const std::string& path, int64_t line,
                                        PairSkip* skipped) {
  if (o.format == PairFormat::kMessages) return messages_pair(record, o, tokenizer, path, line, skipped);
  PairTexts t;
  if (o.format == PairFormat::kPrompt) {
    t = {string_field(record, o.prompt_field, path, line), string_field(record, o.chosen_field, path, line),
         string_field(record, o.rejected_field, path, line)};
  } else {
    const auto chosen = split_dialogue(string_field(record, o.chosen_field, path, line), o.response_marker,
                                       o.chosen_field, path, line);
    const auto rejected = split_dialogue(string_field(record, o.rejected_field, path, line), o.response_marker,
                                         o.rejected_field, path, line);
    if (chosen.first != rejected.first) {
      *skipped = PairSkip::kNoSharedPrompt;
      return std::nullopt;
    }
    t = {chosen.first, chosen.second, rejected.second};
  }
  if (t.chosen == t.rejected) {
    *skipped = PairSkip::kIdentical;
    return std::nullopt;
  }
  return PairExample{encode_parts({{t.prompt, false}, {t.chosen, true}}, tokenizer),
                     encode_parts({{t.prompt, false}, {t.rejected, true}}, tokenizer)};
}

}  // namespace anvil::data
