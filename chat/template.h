#pragma once
// Jinja templates as transformers renders chat templates: the subset real
// templates use, with trim_blocks, lstrip_blocks and loop controls on. No
// LibTorch.
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace anvil::chat {

// A template that does not parse or fails while rendering: the message names
// the template, its line and what went wrong.
class TemplateError : public std::runtime_error {
 public:
  TemplateError(const std::string& name, int line, const std::string& message);
  int line() const { return line_; }

 private:
  int line_;
};

// The template called raise_exception(text): what() is that text, unchanged.
class TemplateRaised : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a source is read. kChat is transformers' chat-template environment
// (trim_blocks, lstrip_blocks, one trailing newline dropped, undefined prints
// nothing); kStrict is jinja2's defaults with keep_trailing_newline and
// StrictUndefined, as lm-evaluation-harness renders its prompts, so that a
// misspelt field is an error rather than an empty string.
enum class Dialect { kChat, kStrict };

class Template {
 public:
  Template(const std::string& source, const std::string& name = "chat_template", Dialect dialect = Dialect::kChat);
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // VARIABLES is a JSON object (messages, add_generation_prompt, bos_token, ...).
  // nlohmann::json sorts object keys; ordered_json keeps the order Python
  // would see (tojson and items() print dicts in that order).
  std::string render(const nlohmann::json& variables) const;
  std::string render(const nlohmann::ordered_json& variables) const;

 private:
  struct Program;
  std::unique_ptr<Program> program_;
};

}  // namespace anvil::chat
