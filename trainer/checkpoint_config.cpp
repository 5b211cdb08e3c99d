#include "trainer/checkpoint_config.h"

#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "trainer/config_loader.h"

namespace anvil::trainer {
namespace {

// Training-time regularisation and memory knobs, and where the weights came from.
const std::set<std::string> kMayDiffer = {"model.dropout", "model.activation_checkpointing", "model.init_from",
                                          "model.preset", "lora.dropout"};

// Both sides go through to_yaml, so equal values print the same (1e-05, rope, [a, b]).
std::string text_of(const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

}  // namespace

void check_checkpoint_config(const RunConfig& config, const std::string& checkpoint_dir) {
  const std::string saved_path = (std::filesystem::path(checkpoint_dir) / "config.yaml").string();
  const YAML::Node saved = YAML::Load(to_yaml(load_config(saved_path).config));
  const YAML::Node given = YAML::Load(to_yaml(config));
  std::string differences;
  for (const std::string section : {"model", "lora"}) {
    for (const auto& item : given[section]) {
      const std::string name = item.first.as<std::string>(), key = section + "." + name;
      const std::string here = text_of(item.second), there = text_of(saved[section][name]);
      if (kMayDiffer.count(key) || here == there) continue;
      differences += (differences.empty() ? "" : "; ") + key + " is " + here + " here but " + there + " in the checkpoint";
    }
  }
  if (!differences.empty())
    throw CheckpointConfigMismatch("the config does not describe the model of checkpoint '" + checkpoint_dir +
                                   "' (see its config.yaml): " + differences);
}

}  // namespace anvil::trainer
