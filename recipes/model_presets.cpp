#include "recipes/model_presets.h"

namespace anvil::recipes {
namespace {

using Values = std::vector<std::pair<std::string, std::string>>;

// The keys every rope, RMSNorm, gated-MLP, bias-free family shares; `extra` adds or overrides.
Values llama_like(const std::string& family, int layers, int heads, int kv_heads, int width, int ffn, int context,
                  const std::string& theta, bool tied, const std::string& eps, const Values& extra = {}) {
  Values v = {{"model.family", family}, {"model.n_layer", std::to_string(layers)},
              {"model.n_head", std::to_string(heads)}, {"model.n_kv_head", std::to_string(kv_heads)},
              {"model.n_embd", std::to_string(width)}, {"model.ffn_hidden", std::to_string(ffn)},
              {"model.block_size", std::to_string(context)}, {"model.bias", "false"}, {"model.position", "rope"},
              {"model.rope_theta", theta}, {"model.norm", "rmsnorm"}, {"model.norm_eps", eps},
              {"model.mlp", "swiglu"}, {"model.tie_embeddings", tied ? "true" : "false"}};
  for (const auto& [key, value] : extra) {
    bool replaced = false;
    for (auto& kv : v)
      if (kv.first == key) replaced = (kv.second = value, true);
    if (!replaced) v.emplace_back(key, value);
  }
  return v;
}

const Values kLlama31Rope = {{"model.rope_scaling", "llama3"}, {"model.rope_low_freq_factor", "1"},
                             {"model.rope_high_freq_factor", "4"}, {"model.rope_original_context", "8192"}};

Values with(Values a, const Values& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Values kGemma = {{"model.norm", "gemma_rmsnorm"}, {"model.mlp", "geglu"}, {"model.post_norms", "true"},
                       {"model.scale_embeddings", "true"}};

}  // namespace

// The shapes are those of the models' config.json on the Hugging Face Hub.
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
      // The shape of Llama 3.2 1B without its rope scaling, as earlier anvil releases had it.
      {"llama-1b", {{"model.n_layer", "16"}, {"model.n_head", "32"}, {"model.n_kv_head", "8"},
                    {"model.n_embd", "2048"}, {"model.ffn_hidden", "8192"}, {"model.block_size", "2048"},
                    {"model.bias", "false"}, {"model.position", "rope"}, {"model.rope_theta", "500000"},
                    {"model.norm", "rmsnorm"}, {"model.mlp", "swiglu"}, {"model.tie_embeddings", "true"}}},
      {"llama3.2-1b", with(llama_like("llama", 16, 32, 8, 2048, 8192, 131072, "500000", true, "1e-5"),
                           with(kLlama31Rope, {{"model.rope_factor", "32"}}))},
      {"llama3.2-3b", with(llama_like("llama", 28, 24, 8, 3072, 8192, 131072, "500000", true, "1e-5"),
                           with(kLlama31Rope, {{"model.rope_factor", "32"}}))},
      {"llama3.1-8b", with(llama_like("llama", 32, 32, 8, 4096, 14336, 131072, "500000", false, "1e-5"),
                           with(kLlama31Rope, {{"model.rope_factor", "8"}}))},
      {"smollm2-135m", llama_like("llama", 30, 9, 3, 576, 1536, 8192, "100000", true, "1e-5")},
      {"smollm2-360m", llama_like("llama", 32, 15, 5, 960, 2560, 8192, "100000", true, "1e-5")},
      {"smollm2-1.7b", llama_like("llama", 24, 32, 32, 2048, 8192, 8192, "130000", true, "1e-5")},
      {"qwen2.5-0.5b", llama_like("qwen2", 24, 14, 2, 896, 4864, 32768, "1000000", true, "1e-6",
                                  {{"model.qkv_bias", "true"}})},
      {"qwen2.5-1.5b", llama_like("qwen2", 28, 12, 2, 1536, 8960, 32768, "1000000", true, "1e-6",
                                  {{"model.qkv_bias", "true"}})},
      {"qwen2.5-7b", llama_like("qwen2", 28, 28, 4, 3584, 18944, 32768, "1000000", false, "1e-6",
                                {{"model.qkv_bias", "true"}})},
      {"qwen3-0.6b", llama_like("qwen3", 28, 16, 8, 1024, 3072, 40960, "1000000", true, "1e-6",
                                {{"model.head_dim", "128"}, {"model.qk_norm", "true"}})},
      {"qwen3-1.7b", llama_like("qwen3", 28, 16, 8, 2048, 6144, 40960, "1000000", true, "1e-6",
                                {{"model.head_dim", "128"}, {"model.qk_norm", "true"}})},
      {"mistral-7b", llama_like("mistral", 32, 32, 8, 4096, 14336, 32768, "1000000", false, "1e-5")},
      {"gemma2-2b", llama_like("gemma2", 26, 8, 4, 2304, 9216, 8192, "10000", true, "1e-6",
                               with(kGemma, {{"model.head_dim", "256"}, {"model.attn_softcap", "50"},
                                             {"model.logit_softcap", "30"}, {"model.sliding_window", "4096"},
                                             {"model.global_every", "2"}}))},
      {"gemma3-1b", llama_like("gemma3", 26, 4, 1, 1152, 6912, 32768, "1000000", true, "1e-6",
                               with(kGemma, {{"model.head_dim", "256"}, {"model.qk_norm", "true"},
                                             {"model.rope_local_theta", "10000"}, {"model.sliding_window", "512"},
                                             {"model.global_every", "6"}}))},
      {"phi3-mini", llama_like("phi3", 32, 32, 32, 3072, 8192, 4096, "10000", false, "1e-5",
                               {{"model.sliding_window", "2047"}})},
  };
  return presets;
}

std::vector<std::string> model_preset_names() {
  std::vector<std::string> names{""};
  for (const auto& p : model_presets()) names.push_back(p.name);
  return names;
}

}  // namespace anvil::recipes
