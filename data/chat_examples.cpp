#include "data/chat_examples.h"

#include <nlohmann/json.hpp>

#include "data/batch.h"
#include "data/record_fields.h"
#include "data/text_lines.h"

namespace anvil::data {
namespace {

void require_messages(const nlohmann::ordered_json& messages, const std::string& field, const std::string& path,
                      int64_t line) {
  if (!messages.is_array())
    throw error_at(path, line, "field '" + field + "' is not a list of messages but " + messages.type_name());
  for (const auto& m : messages) {
    if (!m.is_object()) throw error_at(path, line, "a message is not an object with role and content");
    string_field(m, "role", path, line);
    if (m.contains("content") && !m["content"].is_null()) string_field(m, "content", path, line);
  }
}

nlohmann::ordered_json alpaca_messages(const nlohmann::ordered_json& record, const SftOptions& o, const std::string& path,
                               int64_t line) {
  std::string request = string_field(record, o.instruction_field, path, line);
  if (record.contains(o.input_field)) {
    const std::string& input = string_field(record, o.input_field, path, line);
    if (!input.empty()) request += "\n\n" + input;
  }
  return nlohmann::ordered_json::array({{{"role", "user"}, {"content", request}},
                                {{"role", "assistant"}, {"content", string_field(record, o.output_field, path, line)}}});
}

// Whether each token overlaps one of the sorted, disjoint byte spans. Overlap,
// not "begins inside": sentencepiece-style tokens carry the space before a
// word ("▁Hello"), and a reply's first word must be trained even when the
// template wrote that space.
std::vector<bool> tokens_in_spans(const std::vector<uint32_t>& starts, size_t text_size,
                                  const std::vector<std::pair<size_t, size_t>>& spans) {
  std::vector<bool> out(starts.size(), false);
  size_t span = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t end = text_size;  // tokens of one character (byte fallback) share a start: end at the next other one
    for (size_t j = i + 1; j < starts.size(); ++j)
      if (starts[j] > starts[i]) {
        end = starts[j];
        break;
      }
    while (span < spans.size() && spans[span].second <= starts[i]) ++span;
    out[i] = span < spans.size() && spans[span].first < end;
  }
  return out;
}

}  // namespace

nlohmann::ordered_json chat_messages(const nlohmann::ordered_json& record, const SftOptions& options, const std::string& path,
                             int64_t line) {
  const auto messages = record.find(options.messages_field);
  if (messages == record.end()) {
    if (record.contains(options.instruction_field)) return alpaca_messages(record, options, path, line);
    throw error_at(path, line, "no field '" + options.messages_field + "' (nor an alpaca '" +
                                   options.instruction_field + "'); fields: " + field_names(record));
  }
  require_messages(*messages, options.messages_field, path, line);
  return *messages;
}

ChatTokens chat_tokens(const nlohmann::ordered_json& messages, const HfTokenizer& tokenizer) {
  const auto rendered = tokenizer.chat_template().render_for_training(messages);
  // The template writes BOS itself where the model wants it, so the
  // tokenizer adds nothing (as apply_chat_template does).
  auto encoding = tokenizer.tokenizer().encode(rendered.text, /*add_special_tokens=*/false);
  ChatTokens out;
  out.trained = tokens_in_spans(encoding.starts, rendered.text.size(), rendered.trained);
  out.ids = std::move(encoding.ids);
  out.text = rendered.text;
  return out;
}

Example chat_example(const nlohmann::ordered_json& record, const SftOptions& options, const HfTokenizer& tokenizer,
                     const std::string& path, int64_t line) {
  ChatTokens chat;
  try {
    chat = chat_tokens(chat_messages(record, options, path, line), tokenizer);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind(path, 0) == 0) throw;  // already names the record
    throw error_at(path, line, e.what());
  }
  Example e;
  if (chat.ids.size() < 2) return e;
  e.inputs.assign(chat.ids.begin(), chat.ids.end() - 1);
  for (size_t i = 1; i < chat.ids.size(); ++i) e.targets.push_back(chat.trained[i] ? chat.ids[i] : kIgnoreIndex);
  return e;
}

std::string chat_prompt(const HfTokenizer& tokenizer, const std::string& request) {
  return tokenizer.chat_template().render(nlohmann::json::array({{{"role", "user"}, {"content", request}}}),
                                          /*add_generation_prompt=*/true);
}

}  // namespace anvil::data
