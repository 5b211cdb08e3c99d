#include "chat/template.h"

#include <nlohmann/json.hpp>

#include "chat/evaluator.h"
#include "chat/lexer.h"
#include "chat/parser.h"

namespace anvil::chat {

TemplateError::TemplateError(const std::string& name, int line, const std::string& message)
    : std::runtime_error("template '" + name + "', line " + std::to_string(line) + ": " + message), line_(line) {}

struct Template::Program {
  std::string name;
  Body body;
  bool strict;
};

Template::Template(const std::string& source, const std::string& name, Dialect dialect)
    : program_(std::make_unique<Program>(
          Program{name, parse(tokenize(source, name, dialect == Dialect::kChat), name), dialect == Dialect::kStrict})) {}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const nlohmann::json& variables) const {
  return render(nlohmann::ordered_json(variables));
}

std::string Template::render(const nlohmann::ordered_json& variables) const {
  if (!variables.is_object()) throw TemplateError(program_->name, 1, "the variables must be a JSON object");
  const Value values = Value::from_json(variables);
  return render_body(program_->body, program_->name, values.entries(), program_->strict);
}

}  // namespace anvil::chat
