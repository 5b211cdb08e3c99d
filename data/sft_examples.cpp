#include "data/sft_examples.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "data/chat_examples.h"
#include "data/record_fields.h"
#include "data/text_lines.h"

namespace anvil::data {
namespace {

const HfTokenizer& chat_tokenizer(const Tokenizer& tokenizer) {
  if (!tokenizer.hf())
    throw std::runtime_error("sft.format chat renders with a Hugging Face tokenizer's chat template, but the "
                             "tokenizer is " + tokenizer.type() + " (tokenizer.type: hf, or a model directory)");
  return *tokenizer.hf();
}

bool is_chat_role(const std::string& role) {
  return role == "system" || role == "user" || role == "assistant" || role == "tool";
}

std::vector<TextPart> alpaca_parts(const nlohmann::ordered_json& record, const SftOptions& o, const std::string& path,
                                   int64_t line) {
  const std::string& input = record.contains(o.input_field) ? string_field(record, o.input_field, path, line) : "";
  const std::string& instruction = string_field(record, o.instruction_field, path, line);
  const auto prompt = fill_template(input.empty() ? o.prompt_template_no_input : o.prompt_template,
                                    {{"instruction", instruction}, {"input", input}});
  return {{prompt, false}, {string_field(record, o.output_field, path, line), true}};
}

std::vector<TextPart> message_parts(const nlohmann::ordered_json& record, const SftOptions& o, const std::string& path,
                                    int64_t line) {
  const auto messages = record.find(o.messages_field);
  if (messages == record.end())
    throw error_at(path, line, "no field '" + o.messages_field + "' (fields: " + field_names(record) + ")");
  if (!messages->is_array())
    throw error_at(path, line, "field '" + o.messages_field + "' is not a list of messages but " +
                                   std::string(messages->type_name()));
  std::vector<TextPart> parts;
  for (const auto& m : *messages) {
    if (!m.is_object()) throw error_at(path, line, "a message is not an object with role and content");
    const std::string& role = string_field(m, "role", path, line);
    if (!is_chat_role(role))
      throw error_at(path, line, "message role '" + role + "': expected system, user, assistant or tool");
    parts.push_back({fill_template(o.role_template, {{"role", role}}), false});
    parts.push_back({string_field(m, "content", path, line), role == "assistant"});
  }
  return parts;
}

}  // namespace

std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t done = 0;
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    const auto value = values.find(text.substr(open + 1, close - open - 1));
    if (value == values.end()) continue;
    out.append(text, done, open - done).append(value->second);
    done = close + 1;
    open = close;
  }
  return out.append(text, done, std::string::npos);
}

std::vector<TextPart> sft_parts(const nlohmann::ordered_json& record, const SftOptions& options, const std::string& path,
                                int64_t line) {
  switch (options.format) {
    case SftFormat::kAlpaca:
      return alpaca_parts(record, options, path, line);
    case SftFormat::kPromptCompletion:
      return {{string_field(record, options.prompt_field, path, line), false},
              {string_field(record, options.completion_field, path, line), true}};
    case SftFormat::kMessages:
      return message_parts(record, options, path, line);
    case SftFormat::kChat:
      break;
  }
  throw std::logic_error("sft_parts: not for this SftFormat");
}

Example sft_example(const nlohmann::ordered_json& record, const SftOptions& options, const Tokenizer& tokenizer,
                    const std::string& path, int64_t line) {
  if (options.format == SftFormat::kChat) return chat_example(record, options, chat_tokenizer(tokenizer), path, line);
  return encode_parts(sft_parts(record, options, path, line), tokenizer);
}

std::string sft_prompt(const SftOptions& options, const Tokenizer& tokenizer, const std::string& request) {
  switch (options.format) {
    case SftFormat::kAlpaca:
      return fill_template(options.prompt_template_no_input, {{"instruction", request}, {"input", ""}});
    case SftFormat::kPromptCompletion:
      return request;
    case SftFormat::kMessages:
      return fill_template(options.role_template, {{"role", "user"}}) + request +
             fill_template(options.role_template, {{"role", "assistant"}});
    case SftFormat::kChat:
      return chat_prompt(chat_tokenizer(tokenizer), request);
  }
  throw std::logic_error("sft_prompt: unknown SftFormat");
}

}  // namespace anvil::data
