#pragma once
// YAML file + command-line overrides -> a validated RunConfig, and back to YAML.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "recipes/run_config.h"

namespace anvil::recipes {

// A config mistake; what() names the file and line (or the override) and what
// was expected.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedConfig {
  RunConfig config;
  std::string source;  // the YAML file
  std::map<std::string, std::string> origin;  // key -> "file:line" or "override 'k=v'"
};

// Reads `path` (YAML), then applies "key.path=value" overrides in order.
// Throws ConfigError for syntax errors, unknown keys (with the closest valid
// key), wrong types and out-of-range values.
LoadedConfig load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// A model directory in place of a config file: an anvil checkpoint's own
// config.yaml, or for a Hugging Face model directory the defaults with
// model.init_from=DIR (config.json then gives the model keys, the directory
// its tokenizer). The overrides apply on top in both cases.
LoadedConfig load_model_directory(const std::string& dir, const std::vector<std::string>& overrides = {});

// What a config is loaded for: each command needs different keys set.
enum class ConfigUse {
  kTrain,           // train, eval, generate, validate: data.train or data.shards
  kPrepare,         // anvil prepare: data.sources, data.shards and an existing tokenizer
  kTokenizerTrain,  // anvil tokenizer train: data.sources and where to write tokenizer.path
  kNoData,          // anvil plan, generate: no data is read, so the relations between keys only
};

// Checks what single keys cannot: relations between keys and that files exist.
void validate_config(const LoadedConfig& loaded, ConfigUse use = ConfigUse::kTrain);

// The full config (every key, defaults included) as YAML that load_config reads back.
std::string to_yaml(const RunConfig& config);

// "${VAR}" -> the environment's VAR; ANVIL_DATA defaults to the shared data
// folder beside the repository.
std::string expand_variables(const std::string& value);

}  // namespace anvil::recipes
