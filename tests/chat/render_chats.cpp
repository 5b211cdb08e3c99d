// render_chats TEMPLATE_FILE [END_OF_TURN...] < requests.jsonl > results.jsonl
//
// Renders requests with a chat template, one JSON line in, one out, for the
// parity test against transformers. A request is either
//   {"messages": [...], "add_generation_prompt": bool, "variables": {...}}
// rendered as a ChatTemplate (with the trained spans when
// add_generation_prompt is false), or
//   {"template_variables": {...}}
// rendered as a plain Template. A result is {"text", "trained": [[begin,
// end], ...]} or {"error", "raised": whether raise_exception threw it}.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "chat/template.h"
#include "common/read_file.h"

namespace {

using nlohmann::ordered_json;
using namespace anvil::chat;

ordered_json render_conversation(const std::string& source, const std::vector<std::string>& end_of_turn,
                                 const ordered_json& request) {
  std::map<std::string, std::string> variables;
  const ordered_json given = request.value("variables", ordered_json::object());
  for (const auto& [key, value] : given.items()) variables[key] = value.get<std::string>();
  const ChatTemplate chat(source, "test_template", variables, end_of_turn);
  const bool add_generation_prompt = request.value("add_generation_prompt", false);
  ordered_json result = {{"text", chat.render(request["messages"], add_generation_prompt)}};
  if (add_generation_prompt) return result;
  try {
    const RenderedChat rendered = chat.render_for_training(request["messages"]);
    if (rendered.text != result["text"]) result["trained_error"] = "render_for_training's text differs from render's";
    result["trained"] = rendered.trained;
  } catch (const std::exception& e) {
    result["trained_error"] = e.what();
  }
  return result;
}

ordered_json respond(const std::string& source, const std::vector<std::string>& end_of_turn, const std::string& line) {
  try {
    const ordered_json request = ordered_json::parse(line);
    if (request.contains("template_variables"))
      return {{"text", Template(source, "test_template").render(request["template_variables"])}};
    return render_conversation(source, end_of_turn, request);
  } catch (const TemplateRaised& e) {
    return {{"error", e.what()}, {"raised", true}};
  } catch (const std::exception& e) {
    return {{"error", e.what()}, {"raised", false}};
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: render_chats TEMPLATE_FILE [END_OF_TURN...] < requests.jsonl\n";
    return 64;
  }
  const std::string source = anvil::common::read_file(argv[1]);
  const std::vector<std::string> end_of_turn(argv + 2, argv + argc);
  for (std::string line; std::getline(std::cin, line);)
    if (!line.empty()) std::cout << respond(source, end_of_turn, line).dump() << "\n";
  return 0;
}
