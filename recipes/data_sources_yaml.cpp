#include "recipes/data_sources_yaml.h"

#include <filesystem>
#include <set>

#include "recipes/config_loader.h"

namespace anvil::recipes {
namespace {

const std::set<std::string> kKeys = {"name", "path", "format", "delimiter", "text_field", "split", "weight"};

std::string one_of(const YAML::Node& value, const std::string& key, const std::set<std::string>& allowed,
                   const std::string& at) {
  const std::string v = value.Scalar();
  if (allowed.count(v)) return v;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw ConfigError(at + ": data.sources '" + key + "' expects one of " + list + ", got '" + v + "'");
}

DataSource read_source(const YAML::Node& entry, size_t index,
                       const std::function<std::string(const YAML::Mark&)>& where) {
  if (!entry.IsMap())
    throw ConfigError(where(entry.Mark()) + ": data.sources[" + std::to_string(index) +
                      "] must be a mapping with at least 'path'");
  DataSource s;
  std::set<std::string> seen;
  for (const auto& item : entry) {
    const std::string key = item.first.Scalar(), at = where(item.first.Mark());
    const YAML::Node& value = item.second;
    if (!seen.insert(key).second) throw ConfigError(at + ": duplicate key '" + key + "' in a data.sources entry");
    if (!kKeys.count(key))
      throw ConfigError(at + ": unknown key '" + key + "' in data.sources (expected name, path, format, delimiter, "
                        "text_field, split or weight)");
    if (!value.IsScalar()) throw ConfigError(at + ": data.sources '" + key + "' expects a single value");
    if (key == "name") s.name = value.Scalar();
    if (key == "path") {
      try {
        s.path = expand_variables(value.Scalar());
      } catch (const std::exception& e) {
        throw ConfigError(at + ": data.sources 'path': " + e.what());
      }
    }
    if (key == "format") s.format = one_of(value, key, {"auto", "txt", "jsonl"}, at);
    if (key == "delimiter") s.delimiter = value.Scalar();
    if (key == "text_field") s.text_field = value.Scalar();
    if (key == "split") s.split = one_of(value, key, {"auto", "train", "val"}, at);
    if (key == "weight" && (!YAML::convert<double>::decode(value, s.weight) || !(s.weight > 0)))
      throw ConfigError(at + ": data.sources 'weight' expects a number > 0, got '" + value.Scalar() + "'");
  }
  if (s.path.empty()) throw ConfigError(where(entry.Mark()) + ": data.sources entry without 'path'");
  if (s.name.empty()) s.name = std::filesystem::path(s.path).stem().string();
  if (s.name.empty() || s.name.find('/') != std::string::npos || s.name[0] == '.')
    throw ConfigError(where(entry.Mark()) + ": data.sources name '" + s.name +
                      "' must be a plain folder name (no '/', not starting with '.')");
  return s;
}

}  // namespace

std::vector<DataSource> read_data_sources(const YAML::Node& node,
                                          const std::function<std::string(const YAML::Mark&)>& where) {
  if (node.IsNull()) return {};
  if (!node.IsSequence())
    throw ConfigError(where(node.Mark()) + ": 'data.sources' expects a list of {path: ..., ...} entries");
  std::vector<DataSource> sources;
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    sources.push_back(read_source(node[i], i, where));
    if (!names.insert(sources.back().name).second)
      throw ConfigError(where(node[i].Mark()) + ": two data.sources are named '" + sources.back().name +
                        "': give each a distinct 'name'");
  }
  return sources;
}

void write_data_sources(YAML::Emitter& out, const std::vector<DataSource>& sources) {
  if (sources.empty()) out << YAML::Flow;  // "sources: []" on the key's line
  out << YAML::BeginSeq;
  for (const auto& s : sources) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << s.name;
    out << YAML::Key << "path" << YAML::Value << YAML::DoubleQuoted << s.path;
    out << YAML::Key << "format" << YAML::Value << s.format;
    out << YAML::Key << "delimiter" << YAML::Value << YAML::DoubleQuoted << s.delimiter;
    out << YAML::Key << "text_field" << YAML::Value << YAML::DoubleQuoted << s.text_field;
    out << YAML::Key << "split" << YAML::Value << s.split;
    out << YAML::Key << "weight" << YAML::Value << s.weight;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

std::string source_format(const DataSource& source) {
  if (source.format != "auto") return source.format;
  return std::filesystem::path(source.path).extension() == ".jsonl" ? "jsonl" : "txt";
}

}  // namespace anvil::recipes
