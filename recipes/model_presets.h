#pragma once
// Named architectures for model.preset: each is a list of model.* keys with
// the values it stands for, applied to the keys a config leaves unset.
#include <string>
#include <utility>
#include <vector>

namespace anvil::recipes {

struct ModelPreset {
  std::string name;
  std::vector<std::pair<std::string, std::string>> values;  // key -> YAML value
};

const std::vector<ModelPreset>& model_presets();
// "" (no preset) and every preset name: the allowed values of model.preset.
std::vector<std::string> model_preset_names();

}  // namespace anvil::recipes
