#include "recipes/checkpoint_config.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "recipes/config_loader.h"
#include "recipes/resolved_config.h"
#include "recipes/tasks/task.h"

namespace anvil::recipes {
namespace {

// Training-time regularisation and memory knobs, and where the weights came from.
const std::set<std::string> kMayDiffer = {"model.dropout", "model.activation_checkpointing", "model.init_from",
                                          "model.preset", "lora.dropout"};

// The sections as the model uses them: implicit values made explicit and
// settings without effect set to their defaults, so equal models compare equal.
RunConfig comparable(RunConfig c, CheckpointUse use) {
  const auto model = resolve(c).model;
  c.model.n_kv_head = model.n_kv_head;
  c.model.ffn_hidden = model.mlp_hidden();
  if (model.position != models::PositionEncoding::kRotary) c.model.rope_theta = ModelSection{}.rope_theta;
  if (use == CheckpointUse::kStartFrom) c.model.block_size = 0;
  if (c.lora.rank == 0 || use == CheckpointUse::kStartFrom) c.lora = LoraSection{};
  std::sort(c.lora.targets.begin(), c.lora.targets.end());
  return c;
}

// Both sides go through to_yaml, so equal values print the same (1e-05, rope, [a, b]).
std::string text_of(const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

}  // namespace

void check_checkpoint_config(const RunConfig& config, const std::string& checkpoint_dir, CheckpointUse use) {
  const std::string saved_path = (std::filesystem::path(checkpoint_dir) / "config.yaml").string();
  const YAML::Node saved = YAML::Load(to_yaml(comparable(load_config(saved_path).config, use)));
  const YAML::Node given = YAML::Load(to_yaml(comparable(config, use)));
  std::string differences;
  for (const std::string section : {"model", "lora"}) {
    for (const auto& item : given[section]) {
      const std::string name = item.first.as<std::string>(), key = section + "." + name;
      const std::string here = text_of(item.second), there = text_of(saved[section][name]);
      // A classifier starting from a language model uses neither LM head.
      const bool classifier = task_of(config).num_classes(config.classify.labels) > 0;
      const bool head_unused = use == CheckpointUse::kStartFrom && classifier && key == "model.tie_embeddings";
      if (kMayDiffer.count(key) || head_unused || here == there) continue;
      differences += (differences.empty() ? "" : "; ") + key + " is " + here + " here but " + there + " in the checkpoint";
    }
  }
  if (!differences.empty())
    throw CheckpointConfigMismatch("the config does not describe the model of checkpoint '" + checkpoint_dir +
                                   "' (see its config.yaml): " + differences);
}

}  // namespace anvil::recipes
