#include "recipes/model_presets.h"

namespace anvil::recipes {

const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> presets = {
      {"gpt2-124m", {{"model.n_layer", "12"}, {"model.n_head", "12"}, {"model.n_embd", "768"},
                     {"model.block_size", "1024"}, {"model.bias", "true"}, {"model.position", "learned"},
                     {"model.norm", "layernorm"}, {"model.mlp", "gelu_tanh"}, {"model.tie_embeddings", "true"}}},
      {"gpt2-350m", {{"model.n_layer", "24"}, {"model.n_head", "16"}, {"model.n_embd", "1024"},
                     {"model.block_size", "1024"}, {"model.bias", "true"}, {"model.position", "learned"},
                     {"model.norm", "layernorm"}, {"model.mlp", "gelu_tanh"}, {"model.tie_embeddings", "true"}}},
      // A small Llama for experiments: GQA with two query heads per key/value head.
      {"llama-tiny", {{"model.n_layer", "8"}, {"model.n_head", "8"}, {"model.n_kv_head", "4"},
                      {"model.n_embd", "512"}, {"model.block_size", "1024"}, {"model.bias", "false"},
                      {"model.position", "rope"}, {"model.rope_theta", "10000"}, {"model.norm", "rmsnorm"},
                      {"model.mlp", "swiglu"}, {"model.tie_embeddings", "false"}}},
      // The shape of Llama 3.2 1B.
      {"llama-1b", {{"model.n_layer", "16"}, {"model.n_head", "32"}, {"model.n_kv_head", "8"},
                    {"model.n_embd", "2048"}, {"model.ffn_hidden", "8192"}, {"model.block_size", "2048"},
                    {"model.bias", "false"}, {"model.position", "rope"}, {"model.rope_theta", "500000"},
                    {"model.norm", "rmsnorm"}, {"model.mlp", "swiglu"}, {"model.tie_embeddings", "true"}}},
  };
  return presets;
}

std::vector<std::string> model_preset_names() {
  std::vector<std::string> names{""};
  for (const auto& p : model_presets()) names.push_back(p.name);
  return names;
}

}  // namespace anvil::recipes
