#include "recipes/checkpoint_config.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "models/hf_config.h"
#include "recipes/config_loader.h"
#include "recipes/model_section.h"
#include "recipes/resolved_config.h"
#include "recipes/tasks/task.h"

namespace anvil::recipes {
namespace {

// Training-time regularisation and memory knobs, and where the weights came from.
// model.family names the class export-hf writes, which computes the same.
const std::set<std::string> kMayDiffer = {"model.dropout", "model.activation_checkpointing", "model.init_from",
                                          "model.preset", "model.family", "lora.dropout"};

// The sections as the model uses them: implicit values made explicit and
// settings without effect set to their defaults, so equal models compare equal.
RunConfig comparable(RunConfig c, CheckpointUse use) {
  const auto model = resolve(c).model;
  c.model.n_kv_head = model.n_kv_head;
  c.model.ffn_hidden = model.mlp_hidden();
  c.model.head_dim = model.head_dim();
  if (model.position != models::PositionEncoding::kRotary) c.model.rope_theta = ModelSection{}.rope_theta;
  if (model.rope_scaling.kind == models::RopeScalingKind::kNone) {  // the scaling's parameters are unused
    const ModelSection defaults;
    c.model.rope_factor = defaults.rope_factor;
    c.model.rope_original_context = defaults.rope_original_context;
    c.model.rope_low_freq_factor = defaults.rope_low_freq_factor;
    c.model.rope_high_freq_factor = defaults.rope_high_freq_factor;
    c.model.rope_beta_fast = defaults.rope_beta_fast;
    c.model.rope_beta_slow = defaults.rope_beta_slow;
    c.model.rope_attention_factor = defaults.rope_attention_factor;
  }
  if (model.sliding_window == 0) c.model.global_every = 0;
  if (model.query_pre_attn_scalar == static_cast<double>(model.head_dim())) c.model.query_pre_attn_scalar = 0;
  if (model.rope_local_theta == model.rope_theta) c.model.rope_local_theta = 0;
  const bool any_window = use == CheckpointUse::kInference && model.position != models::PositionEncoding::kLearned;
  if (use == CheckpointUse::kStartFrom || any_window) c.model.block_size = 0;
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

// The config a checkpoint was saved with; a Hugging Face directory's is its config.json's model.
RunConfig saved_config(const std::string& dir) {
  if (!models::is_hf_model_dir(dir)) return load_config((std::filesystem::path(dir) / "config.yaml").string()).config;
  RunConfig saved;
  saved.model = model_section(models::read_hf_architecture(dir).config);
  return saved;
}

}  // namespace

void check_checkpoint_config(const RunConfig& config, const std::string& checkpoint_dir, CheckpointUse use) {
  const YAML::Node saved = YAML::Load(to_yaml(comparable(saved_config(checkpoint_dir), use)));
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
                                   "' (see its " + (models::is_hf_model_dir(checkpoint_dir) ? "config.json" : "config.yaml") +
                                   "): " + differences);
}

}  // namespace anvil::recipes
