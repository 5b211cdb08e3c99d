#pragma once
// The "CONFIG [key.path=value ...]" arguments most commands share.
#include <cstdint>
#include <map>
#include <string>

#include "tools/anvil/commands.h"
#include "recipes/config_loader.h"

namespace anvil::cli {

bool wants_help(const Args& args);

// Loads args[0] with the remaining key=value overrides, then validates it for `use`.
recipes::LoadedConfig load_config_args(const Args& args, recipes::ConfigUse use = recipes::ConfigUse::kTrain);

// Every key's default as print-config writes it (YAML), by dotted key.
std::map<std::string, std::string> config_defaults();

// A --flag's integer VALUE, or std::runtime_error naming FLAG and the range.
int64_t integer_flag(const std::string& flag, const std::string& value, int64_t min, int64_t max);

// Usage line, then every config key with its default and help.
void print_usage_with_keys(const std::string& usage);

}  // namespace anvil::cli
