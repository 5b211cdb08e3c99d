#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "recipes/config_table.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"

namespace anvil::cli {
namespace {

const char kRegenerate[] = "build/anvil print-config --reference > docs/config.md";

std::string type_name(const recipes::ConfigField& field) {
  recipes::RunConfig config;  // the table hands out references into a config
  return std::visit(
      [&](auto* member) -> std::string {
        using T = std::remove_pointer_t<decltype(member)>;
        if constexpr (std::is_same_v<T, int64_t>) return "integer";
        if constexpr (std::is_same_v<T, double>) return "number";
        if constexpr (std::is_same_v<T, bool>) return "boolean";
        if constexpr (std::is_same_v<T, std::string>)
          return field.is_output ? "output path" : field.is_path ? "path" : "string";
        if constexpr (std::is_same_v<T, std::vector<std::string>>) return "list of strings";
        return "list of sources";
      },
      field.ref(config));
}

std::string format_bound(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, v == std::floor(v) ? "%.0f" : "%g", v);
  return buffer;
}

std::string code(const std::string& text) { return "`" + (text.empty() ? "\"\"" : text) + "`"; }

std::string accepted_values(const recipes::ConfigField& field) {
  std::string values;
  for (const auto& choice : field.choices) values += (values.empty() ? "" : ", ") + code(choice);
  if (!values.empty()) return values;
  if (std::isinf(field.min) && std::isinf(field.max)) return "";
  if (std::isinf(field.max)) return "≥ " + format_bound(field.min);
  return format_bound(field.min) + " to " + format_bound(field.max);
}

// A table cell: '|' would end the cell, and '<' in prose would open an HTML tag.
std::string cell(const std::string& text, bool prose) {
  std::string escaped;
  for (char c : text) {
    if (c == '|' || (prose && c == '<')) escaped += '\\';
    escaped += c;
  }
  return escaped;
}

const std::string& section_help(const std::string& section) {
  for (const auto& s : recipes::config_sections())
    if (s.name == section) return s.help;
  throw std::logic_error("config section '" + section + "' has no entry in config_sections()");
}

// docs/config.md: one table per section, in the order of the key table.
std::string config_reference() {
  const auto default_of = config_defaults();
  std::string out =
      "# Config reference\n\n"
      "Generated from the key table in `recipes/config_table.cpp` by `" + std::string(kRegenerate) +
      "`; edit the table, not this page.\n\n"
      "A config is a YAML file with one map per section below. Any key can also be set on the command line as "
      "`section.key=value`. Defaults are written as `anvil print-config` writes them, and `anvil train --help` "
      "lists the same keys.\n";
  std::string section;
  for (const auto& field : recipes::config_fields()) {
    const std::string field_section = field.key.substr(0, field.key.find('.'));
    if (field_section != section) {
      section = field_section;
      out += "\n## " + section + "\n\n" + section_help(section) + "\n\n";
      out += "| key | type | default | accepted values | meaning |\n|---|---|---|---|---|\n";
    }
    out += "| " + code(field.key) + " | " + type_name(field) + " | " + cell(code(default_of.at(field.key)), false) +
           " | " + cell(accepted_values(field), false) + " | " + cell(field.help, true) + " |\n";
  }
  return out;
}

}  // namespace

int print_config_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys("usage: anvil print-config CONFIG [key.path=value ...]\n"
                          "       anvil print-config --reference\n\n"
                          "Prints every key, defaults included, after overrides: the config a run would use.\n"
                          "--reference prints the Markdown reference of every key instead; docs/config.md is its\n"
                          "output, regenerated with `" + std::string(kRegenerate) + "`.");
    return 0;
  }
  if (args.size() == 1 && args[0] == "--reference") {
    std::fputs(config_reference().c_str(), stdout);
    return 0;
  }
  if (args.empty()) throw recipes::ConfigError("missing CONFIG: the path of a YAML config file");
  const std::vector<std::string> overrides(args.begin() + 1, args.end());
  const auto loaded = std::filesystem::is_directory(args[0]) ? recipes::load_model_directory(args[0], overrides)
                                                             : recipes::load_config(args[0], overrides);
  std::fputs(recipes::to_yaml(loaded.config).c_str(), stdout);
  return 0;
}

}  // namespace anvil::cli
