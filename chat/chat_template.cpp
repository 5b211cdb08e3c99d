#include "chat/chat_template.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace anvil::chat {
namespace {

using nlohmann::ordered_json;

// The names a message's reasoning goes by; transformers copies the first
// one present to `thinking` and `reasoning_content`.
constexpr const char* kReasoningFields[] = {"reasoning_content", "thinking", "reasoning"};

// A message as apply_chat_template hands it to the template: keys whose
// value is null dropped, reasoning copied under the names templates read.
ordered_json template_message(const ordered_json& message) {
  if (!message.is_object()) throw std::invalid_argument("a chat message must be a JSON object, got " + message.dump());
  ordered_json plain = ordered_json::object();
  for (const auto& [key, value] : message.items())
    if (!value.is_null()) plain[key] = value;
  for (const char* field : kReasoningFields) {
    if (!plain.contains(field)) continue;
    const ordered_json reasoning = plain[field];
    ordered_json aliased = ordered_json::object();
    aliased["thinking"] = reasoning;
    for (const auto& [key, value] : plain.items()) aliased[key] = value;
    aliased["reasoning_content"] = reasoning;
    return aliased;
  }
  return plain;
}

// Stands in for one assistant turn's content; private-use code points keep
// it clear of whitespace stripping and of real text.
std::string content_marker(size_t turn) { return "\xEE\x80\x80" "anvil-content-" + std::to_string(turn) + "\xEE\x80\x81"; }

}  // namespace

ChatTemplate::ChatTemplate(const std::string& source, const std::string& name,
                           std::map<std::string, std::string> variables, std::vector<std::string> end_of_turn)
    : name_(name), template_(source, name), variables_(std::move(variables)), end_of_turn_(std::move(end_of_turn)) {}

std::string ChatTemplate::render(const nlohmann::json& messages, bool add_generation_prompt) const {
  return render(ordered_json(messages), add_generation_prompt);
}

RenderedChat ChatTemplate::render_for_training(const nlohmann::json& messages) const {
  return render_for_training(ordered_json(messages));
}

std::string ChatTemplate::render(const ordered_json& messages, bool add_generation_prompt) const {
  if (!messages.is_array()) throw std::invalid_argument("the messages must be a JSON array");
  ordered_json variables = ordered_json::object();
  ordered_json conversation = ordered_json::array();
  for (const auto& message : messages) conversation.push_back(template_message(message));
  // What transformers passes: tools and documents are None when not given.
  variables["messages"] = std::move(conversation);
  variables["tools"] = nullptr;
  variables["documents"] = nullptr;
  variables["add_generation_prompt"] = add_generation_prompt;
  for (const auto& [key, value] : variables_) variables[key] = value;
  return template_.render(variables);
}

// Render again with only this turn's content replaced by a marker: what comes
// before the marker must begin the real text and what follows must end it, so
// the content lies exactly between them. Empty: why it could not be located.
std::string ChatTemplate::locate_content(const ordered_json& messages, size_t turn, const std::string& text,
                                         size_t& begin, size_t& end) const {
  const ordered_json& message = messages[turn];
  if (!message.contains("content") || !message["content"].is_string()) return "its content is not a string";
  ordered_json marked = messages;
  const std::string marker = content_marker(turn);
  marked[turn]["content"] = marker;
  const std::string marked_text = render(marked, false);
  const size_t at = marked_text.find(marker);
  if (at == std::string::npos || marked_text.find(marker, at + 1) != std::string::npos)
    return "the template does not render its content once, unchanged";
  const std::string_view prefix(marked_text.data(), at);
  const std::string_view suffix = std::string_view(marked_text).substr(at + marker.size());
  const bool brackets = prefix.size() + suffix.size() <= text.size() && text.compare(0, prefix.size(), prefix) == 0 &&
                        text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (!brackets) return "the text around its content changes with the content";
  begin = prefix.size();
  end = text.size() - suffix.size();
  return "";
}

// Where the turn begins when the conversation before it, with the generation
// prompt, is a prefix of the whole text: for turns whose content the template
// renders only when it is there (tool calls without text).
bool ChatTemplate::locate_turn_start(const ordered_json& messages, size_t turn, const std::string& text,
                                     size_t& begin) const {
  const ordered_json before(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(turn));
  const std::string prompt = render(before, true);
  if (text.compare(0, prompt.size(), prompt) != 0) return false;
  begin = prompt.size();
  return true;
}

RenderedChat ChatTemplate::render_for_training(const ordered_json& messages) const {
  RenderedChat rendered{render(messages, false), {}};
  const std::string& text = rendered.text;
  for (size_t turn = 0; turn < messages.size(); ++turn) {
    const ordered_json& message = messages[turn];
    if (message.value("role", "") != "assistant") continue;
    auto fail = [&](const std::string& why) {
      throw std::runtime_error("chat template '" + name_ + "': cannot locate assistant message " +
                               std::to_string(turn) + ": " + why);
    };
    const auto calls = message.find("tool_calls");
    const bool calls_tools = calls != message.end() && calls->is_array() && !calls->empty();
    size_t begin = 0, end = 0;
    const std::string why = locate_content(messages, turn, text, begin, end);
    if (!why.empty()) {
      if (!calls_tools || !locate_turn_start(messages, turn, text, begin)) fail(why);
      end = begin;
    }
    if (calls_tools) {
      // The calls follow the content: the turn is trained up to its end-of-turn token.
      size_t closing = std::string::npos, length = 0;
      for (const std::string& token : end_of_turn_) {
        const size_t at = token.empty() ? std::string::npos : text.find(token, end);
        if (at < closing) closing = at, length = token.size();
      }
      if (closing == std::string::npos) fail("no end-of-turn token follows its tool calls");
      end = closing + length;
    } else {
      for (const std::string& token : end_of_turn_)
        if (!token.empty() && text.compare(end, token.size(), token) == 0) {
          end += token.size();
          break;
        }
    }
    rendered.trained.emplace_back(begin, end);
  }
  return rendered;
}

}  // namespace anvil::chat
