#pragma once
// data.sources, the one config key whose value is a list of records: read
// from YAML with errors that point at the entry, and written back.
#include <functional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "recipes/run_config.h"

namespace anvil::recipes {

// `where` turns a node's mark into "file:line:col" for error messages.
// Throws ConfigError for a non-list, an entry that is not a mapping, an
// unknown or missing key, a bad value, or two sources with the same name.
std::vector<DataSource> read_data_sources(const YAML::Node& node,
                                          const std::function<std::string(const YAML::Mark&)>& where);

void write_data_sources(YAML::Emitter& out, const std::vector<DataSource>& sources);

}  // namespace anvil::recipes
