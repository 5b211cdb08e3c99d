#include "recipes/config_loader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "models/hf_config.h"
#include "recipes/config_table.h"
#include "recipes/data_sources_yaml.h"
#include "recipes/model_presets.h"
#include "recipes/model_section.h"
#include "recipes/yaml_file.h"

namespace anvil::recipes {
namespace {

std::string unknown_key_message(const std::string& key) {
  const std::string suggestion = closest_key(key);
  return "unknown key '" + key + "'" + (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?");
}

bool is_section(const std::string& prefix) {
  for (const auto& f : config_fields())
    if (f.key.rfind(prefix + ".", 0) == 0) return true;
  return false;
}

std::string kind_name(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return "'" + node.Scalar() + "'";
}

std::string format_number(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  // The shortest decimal form that reads back as the same double.
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
    if (std::strtod(buffer, nullptr) == v) break;
  }
  return buffer;
}

std::string join(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& item : items) list += (list.empty() ? "" : ", ") + item;
  return list;
}

std::vector<std::string> read_string_list(const ConfigField& field, const YAML::Node& node, const std::string& at) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) throw ConfigError(at + ": '" + field.key + "' expects a list, got " + kind_name(node));
  std::vector<std::string> out;
  for (const auto& item : node) {
    if (!item.IsScalar()) throw ConfigError(at + ": '" + field.key + "' expects a list of strings, got " + kind_name(item));
    if (!field.choices.empty() &&
        std::find(field.choices.begin(), field.choices.end(), item.Scalar()) == field.choices.end())
      throw ConfigError(at + ": '" + field.key + "' expects items among " + join(field.choices) + ", got " +
                        kind_name(item));
    out.push_back(item.Scalar());
  }
  return out;
}

// Sets one field from a node; throws ConfigError prefixed by `at`. `file`
// names the YAML file, for errors inside lists ("" for overrides).
void set_field(const ConfigField& field, RunConfig& config, const YAML::Node& node, const std::string& at,
               const std::string& file = "") {
  auto fail = [&](const std::string& expected) {
    throw ConfigError(at + ": '" + field.key + "' expects " + expected + ", got " + kind_name(node));
  };
  const FieldRef list_ref = field.ref(config);
  if (auto* strings = std::get_if<std::vector<std::string>*>(&list_ref)) {
    **strings = read_string_list(field, node, at);
    return;
  }
  if (auto* sources = std::get_if<std::vector<DataSource>*>(&list_ref)) {
    **sources = read_data_sources(
        node, [&](const YAML::Mark& mark) { return file.empty() ? at : yaml_position(file, mark); });
    return;
  }
  if (!node.IsScalar() && !node.IsNull()) fail("a single value");
  auto check_range = [&](double v) {
    if (v < field.min || v > field.max) {
      std::string range = std::isinf(field.max) ? ">= " + format_number(field.min)
                                                : "in [" + format_number(field.min) + ", " + format_number(field.max) + "]";
      fail("a value " + range);
    }
  };
  const FieldRef ref = field.ref(config);
  if (auto* i = std::get_if<int64_t*>(&ref)) {
    double v = 0;
    // Integers may be written as 5000 or 5e3, never as 12.5.
    if (node.IsNull() || !YAML::convert<double>::decode(node, v) || v != std::floor(v) || std::abs(v) > 9e15)
      fail("an integer");
    check_range(v);
    **i = static_cast<int64_t>(v);
  } else if (auto* d = std::get_if<double*>(&ref)) {
    double v = 0;
    if (node.IsNull() || !YAML::convert<double>::decode(node, v) || !std::isfinite(v)) fail("a finite number");
    check_range(v);
    **d = v;
  } else if (auto* b = std::get_if<bool*>(&ref)) {
    bool v = false;
    if (node.IsNull() || !YAML::convert<bool>::decode(node, v)) fail("true or false");
    **b = v;
  } else {
    std::string v = node.IsNull() ? "" : node.Scalar();
    if (!field.choices.empty() && std::find(field.choices.begin(), field.choices.end(), v) == field.choices.end())
      fail("one of " + join(field.choices));
    if (field.is_path) {
      try {
        v = expand_variables(v);
      } catch (const std::exception& e) {
        throw ConfigError(at + ": '" + field.key + "': " + e.what());
      }
    }
    *std::get<std::string*>(ref) = v;
  }
}

void read_mapping(const YAML::Node& map, const std::string& prefix, const std::string& file, LoadedConfig& out) {
  for (const auto& item : map) {
    const std::string at = yaml_position(file, item.first.Mark());
    if (!item.first.IsScalar()) throw ConfigError(at + ": a key must be a plain name, got " + kind_name(item.first));
    const std::string key = prefix + item.first.Scalar();
    if (out.origin.count(key)) throw ConfigError(at + ": duplicate key '" + key + "'");
    if (const ConfigField* field = find_field(key)) {
      set_field(*field, out.config, item.second, at, file);
      out.origin[key] = file + ":" + std::to_string(item.first.Mark().line + 1);
    } else if (is_section(key)) {
      if (item.second.IsNull()) continue;  // an empty section keeps its defaults
      if (!item.second.IsMap()) throw ConfigError(at + ": '" + key + "' is a section: expected a mapping of keys");
      out.origin[key] = at;
      read_mapping(item.second, key + ".", file, out);
    } else {
      throw ConfigError(at + ": " + unknown_key_message(key));
    }
  }
}

void apply_override(const std::string& text, LoadedConfig& out) {
  const std::string at = "override '" + text + "'";
  if (text.rfind("--", 0) == 0) throw ConfigError(at + ": a flag after CONFIG; flags go before it");
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError(at + ": expected key.path=value");
  const std::string key = text.substr(0, eq);
  const ConfigField* field = find_field(key);
  if (!field) throw ConfigError(at + ": " + unknown_key_message(key));
  // Text keys take the value verbatim (a prompt may contain ': '); others
  // parse it as YAML, so 3e-4, true and 12 mean what they do in a file.
  RunConfig scratch;
  const bool verbatim = std::holds_alternative<std::string*>(field->ref(scratch));
  YAML::Node value;
  try {
    value = verbatim ? YAML::Node(text.substr(eq + 1)) : YAML::Load(text.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw ConfigError(at + ": " + e.msg);
  }
  set_field(*field, out.config, value, at);
  out.origin[key] = at;
}

// Fills the model keys the config left unset from model.preset.
void apply_preset(LoadedConfig& out) {
  const std::string name = out.config.model.preset;
  for (const auto& preset : model_presets()) {
    if (preset.name != name) continue;
    for (const auto& [key, value] : preset.values) {
      if (out.origin.count(key)) continue;  // the config's own value wins
      set_field(*find_field(key), out.config, YAML::Load(value), "preset '" + name + "'");
      out.origin[key] = "preset '" + name + "'";
    }
  }
}

// Keys a run may choose apart from the weights it starts from.
const std::set<std::string> kRunModelKeys = {"model.preset", "model.init_from", "model.dropout",
                                             "model.activation_checkpointing", "model.vocab_multiple"};

std::string range_text(const ConfigField& f) {
  const auto bound = [](double v) { return std::isinf(v) ? std::string("inf") : std::to_string((int64_t)v); };
  return "[" + bound(f.min) + ", " + bound(f.max) + "]";
}

// A Hugging Face model directory as model.init_from is its own model
// section: config.json fills the model keys the config leaves unset (a
// shorter model.block_size, say, is the config's to set).
void apply_model_directory(LoadedConfig& out) {
  const std::string& dir = out.config.model.init_from;
  if (dir.empty() || !models::is_hf_model_dir(dir)) return;
  RunConfig derived;
  try {
    const auto architecture = models::read_hf_architecture(dir);
    derived.model = model_section(architecture.config);
    derived.model.family = models::family_name(architecture.family);
  } catch (const std::exception& e) {
    throw ConfigError(out.origin["model.init_from"] + ": model.init_from: " + e.what());
  }
  if (out.origin.count("model.preset"))
    throw ConfigError(out.origin["model.preset"] + ": model.preset and model.init_from '" + dir +
                      "' (a Hugging Face model, whose config.json gives the model keys) cannot both describe the model");
  for (const auto& field : config_fields()) {
    if (field.key.rfind("model.", 0) != 0 || kRunModelKeys.count(field.key) || out.origin.count(field.key)) continue;
    const FieldRef from = field.ref(derived);
    // The table's ranges hold for derived values too: a config.json with a
    // 10^12-token context is refused here, not by an allocator later.
    if (const auto* number = std::get_if<int64_t*>(&from); number && (**number < field.min || **number > field.max))
      throw ConfigError("model.init_from '" + dir + "/config.json': it gives " + field.key + " = " +
                        std::to_string(**number) + ", outside anvil's range " + range_text(field));
    std::visit([&](auto* to) { *to = *std::get<std::remove_pointer_t<decltype(to)>*>(from); }, field.ref(out.config));
    out.origin[field.key] = "model.init_from '" + dir + "/config.json'";
  }
}

// The tokenizer files a Hugging Face model directory ships.
bool has_tokenizer_files(const std::string& dir) {
  for (const char* file : {"tokenizer.json", "vocab.json", "tokenizer.model"})
    if (std::filesystem::exists(std::filesystem::path(dir) / file)) return true;
  return false;
}

// A model directory brings its tokenizer: when the config names no
// tokenizer.type, a tokenizer.path that is a directory, or a model.init_from
// holding an imported tokenizer/ or a Hugging Face model's tokenizer files,
// means the Hugging Face tokenizer in it.
void pick_model_directory_tokenizer(LoadedConfig& out) {
  auto& t = out.config.tokenizer;
  if (out.origin.count("tokenizer.type")) return;
  const std::string& init_from = out.config.model.init_from;
  const std::string imported = init_from + "/tokenizer";
  if (t.path.empty() && !init_from.empty() && std::filesystem::is_directory(imported)) {
    t.path = imported;
    out.origin["tokenizer.path"] = "model.init_from";
  } else if (t.path.empty() && !init_from.empty() && models::is_hf_model_dir(init_from) &&
             has_tokenizer_files(init_from)) {
    t.path = init_from;
    out.origin["tokenizer.path"] = "model.init_from";
  }
  if (t.path.empty() || !std::filesystem::is_directory(t.path)) return;
  t.type = "hf";
  out.origin["tokenizer.type"] = "tokenizer.path '" + t.path + "', a directory";
}

}  // namespace

std::string expand_variables(const std::string& value) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    const size_t start = value.find("${", i);
    if (start == std::string::npos) break;
    const size_t end = value.find('}', start);
    if (end == std::string::npos) throw std::runtime_error("unclosed '${' in '" + value + "'");
    const std::string name = value.substr(start + 2, end - start - 2);
    const char* env = std::getenv(name.c_str());
    std::string replacement;
    if (env && *env)
      replacement = env;
    else if (name == "ANVIL_DATA")
      replacement = ANVIL_DEFAULT_DATA_DIR;
    else
      throw std::runtime_error("environment variable '" + name + "' is not set");
    out += value.substr(i, start - i) + replacement;
    i = end + 1;
  }
  return out + value.substr(std::min(i, value.size()));
}

LoadedConfig load_model_directory(const std::string& dir, const std::vector<std::string>& overrides) {
  const auto yaml = std::filesystem::path(dir) / "config.yaml";
  if (std::filesystem::is_regular_file(yaml)) return load_config(yaml.string(), overrides);
  if (!models::is_hf_model_dir(dir))
    throw ConfigError("'" + dir + "' is a directory with neither config.yaml (an anvil checkpoint) nor config.json "
                      "(a Hugging Face model)");
  LoadedConfig out;
  out.source = dir;
  out.config.model.init_from = dir;
  out.origin["model.init_from"] = "model directory '" + dir + "'";
  for (const auto& o : overrides) apply_override(o, out);
  apply_model_directory(out);
  pick_model_directory_tokenizer(out);
  return out;
}

LoadedConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  if (std::filesystem::is_directory(path)) throw ConfigError("config file '" + path + "' is a directory");
  const YAML::Node root = read_yaml_document(path);
  LoadedConfig out;
  out.source = path;
  if (!root.IsNull()) {
    if (!root.IsMap()) throw ConfigError(yaml_position(path, root.Mark()) + ": expected a mapping of config sections");
    read_mapping(root, "", path, out);
  }
  for (const auto& o : overrides) apply_override(o, out);
  apply_model_directory(out);
  apply_preset(out);
  pick_model_directory_tokenizer(out);
  return out;
}

std::string to_yaml(const RunConfig& config) {
  RunConfig copy = config;  // the table hands out mutable references
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string section;
  for (const auto& field : config_fields()) {
    const std::string field_section = field.key.substr(0, field.key.find('.'));
    if (field_section != section) {
      if (!section.empty()) out << YAML::EndMap;
      section = field_section;
      out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << field.key.substr(section.size() + 1) << YAML::Value;
    std::visit(
        [&](auto* member) {
          using T = std::remove_pointer_t<decltype(member)>;
          if constexpr (std::is_same_v<T, double>)
            out << format_number(*member);
          else if constexpr (std::is_same_v<T, std::vector<DataSource>>)
            write_data_sources(out, *member);
          else if constexpr (std::is_same_v<T, std::vector<std::string>>)
            out << YAML::Flow << *member;
          else if constexpr (std::is_same_v<T, std::string>)
            out << YAML::DoubleQuoted << *member;
          else
            out << *member;
        },
        field.ref(copy));
  }
  if (!section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace anvil::recipes
