#pragma once
// A YAML file that must hold one document, read with yaml-cpp.
#include <string>

#include <yaml-cpp/mark.h>
#include <yaml-cpp/node/node.h>

namespace anvil::recipes {

// "FILE:LINE:COLUMN", 1-based, as editors and compilers print a position.
std::string yaml_position(const std::string& file, const YAML::Mark& mark);

// The file's one document (a null node when it is empty). Throws ConfigError
// naming the position for a file it cannot open, invalid YAML, or a second
// document that is not empty.
YAML::Node read_yaml_document(const std::string& path);

}  // namespace anvil::recipes
