#pragma once
// The one declarative table of config keys: each row names a key, the member it
// sets, its help and the values it accepts. Parsing, validation, --help,
// print-config and "did you mean" suggestions are all driven by it.
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "recipes/run_config.h"

namespace anvil::recipes {

using FieldRef = std::variant<int64_t*, double*, bool*, std::string*, std::vector<std::string>*, std::vector<DataSource>*>;

struct ConfigField {
  std::string key;  // dotted path, e.g. "optim.lr"
  std::function<FieldRef(RunConfig&)> ref;
  std::string help;
  double min = -std::numeric_limits<double>::infinity();  // numbers: inclusive range
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // strings: the allowed values (empty: any)
  bool is_path = false;              // ${VARS} expanded; must exist when non-empty
  bool is_output = false;            // a path a command writes: expanded, need not exist yet
};

const std::vector<ConfigField>& config_fields();

// What each section of keys is for, in one line: the intro of its table in docs/config.md.
struct ConfigSection {
  std::string name;  // the part of a key before the dot
  std::string help;
};
const std::vector<ConfigSection>& config_sections();

const ConfigField* find_field(std::string_view key);

// The key of the table closest to `key` by edit distance, or "" if none is close.
std::string closest_key(std::string_view key);

}  // namespace anvil::recipes
