#pragma once
// A model's chat template applied to conversations: the text
// apply_chat_template gives, and for training the byte spans the loss falls on.
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "chat/template.h"

namespace anvil::chat {

struct RenderedChat {
  std::string text;
  // [begin, end) byte spans of the assistant turns: each turn's content and
  // the end-of-turn token that follows it (with any tool calls between them),
  // never system or user text or the template's scaffolding.
  std::vector<std::pair<size_t, size_t>> trained;
};

class ChatTemplate {
 public:
  // VARIABLES: bos_token, eos_token, ... as transformers passes them.
  // END_OF_TURN: the token strings that close an assistant turn
  // (<|im_end|>, <|eot_id|>, </s>, ...).
  ChatTemplate(const std::string& source, const std::string& name, std::map<std::string, std::string> variables,
               std::vector<std::string> end_of_turn);

  // MESSAGES: a JSON array of {role, content}. A conversation the template
  // rejects throws TemplateRaised with the template's own text.
  std::string render(const nlohmann::json& messages, bool add_generation_prompt) const;
  // Throws std::runtime_error naming the template and the turn when an
  // assistant's content is not a string or the template transforms it beyond
  // locating (e.g. upper-cases it).
  RenderedChat render_for_training(const nlohmann::json& messages) const;
  // The same with the messages' keys in their given order (see Template).
  std::string render(const nlohmann::ordered_json& messages, bool add_generation_prompt) const;
  RenderedChat render_for_training(const nlohmann::ordered_json& messages) const;

 private:
  std::string locate_content(const nlohmann::ordered_json& messages, size_t turn, const std::string& text,
                             size_t& begin, size_t& end) const;
  bool locate_turn_start(const nlohmann::ordered_json& messages, size_t turn, const std::string& text,
                         size_t& begin) const;

  std::string name_;
  Template template_;
  std::map<std::string, std::string> variables_;
  std::vector<std::string> end_of_turn_;
};

}  // namespace anvil::chat
