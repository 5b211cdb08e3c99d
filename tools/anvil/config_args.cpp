#include "tools/anvil/config_args.h"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <filesystem>
#include <sstream>

#include "recipes/config_table.h"

namespace anvil::cli {

bool wants_help(const Args& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

recipes::LoadedConfig load_config_args(const Args& args, recipes::ConfigUse use) {
  if (args.empty()) throw recipes::ConfigError("missing CONFIG: the path of a YAML config file or a model directory");
  const std::vector<std::string> overrides(args.begin() + 1, args.end());
  auto loaded = std::filesystem::is_directory(args[0]) ? recipes::load_model_directory(args[0], overrides)
                                                       : recipes::load_config(args[0], overrides);
  recipes::validate_config(loaded, use);
  return loaded;
}

std::map<std::string, std::string> config_defaults() {
  // The defaults are those of to_yaml: read them back line by line.
  std::istringstream defaults(recipes::to_yaml(recipes::RunConfig{}));
  std::string line, section;
  std::map<std::string, std::string> default_of;
  while (std::getline(defaults, line)) {
    if (line.empty() || line.rfind("    ", 0) == 0) continue;  // list entries belong to the key above
    if (line[0] != ' ') {
      section = line.substr(0, line.find(':'));
      continue;
    }
    const auto colon = line.find(':');
    default_of[section + "." + line.substr(2, colon - 2)] = line.substr(colon + 2);
  }
  return default_of;
}

void print_usage_with_keys(const std::string& usage) {
  std::printf("%s\n\nConfig keys (YAML sections, or key.path=value on the command line):\n", usage.c_str());
  auto default_of = config_defaults();
  for (const auto& f : recipes::config_fields()) {
    std::string allowed;
    for (const auto& c : f.choices) allowed += (allowed.empty() ? " [" : "|") + c;
    if (!allowed.empty()) allowed += "]";
    std::printf("  %-24s %-14s %s%s\n", f.key.c_str(), default_of[f.key].c_str(), f.help.c_str(), allowed.c_str());
  }
}

int64_t integer_flag(const std::string& flag, const std::string& value, int64_t min, int64_t max) {
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (value.empty() || used != value.size() || v < min || v > max)
    throw std::runtime_error(flag + ": expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                             ", got '" + value + "'");
  return v;
}

}  // namespace anvil::cli
