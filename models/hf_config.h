#pragma once
// The config.json of a Hugging Face causal language model, as GPTConfig: the
// families anvil implements, what each one's config.json means, and back.
// A setting anvil does not implement is an error naming the key and the
// file, never a silently different model.
#include <string>
#include <vector>

#include "models/gpt_config.h"

namespace anvil::models {

enum class HfFamily { kGpt2, kLlama, kMistral, kQwen2, kQwen3, kGemma2, kGemma3, kPhi3 };

// anvil's names of the families ("gpt2", "llama", "mistral", "qwen2", "qwen3",
// "gemma2", "gemma3", "phi3"): the values of model.family.
std::vector<std::string> hf_family_names();
std::string family_name(HfFamily family);
// Throws naming the known families for any other name.
HfFamily family_named(const std::string& name);

struct HfArchitecture {
  HfFamily family;
  GPTConfig config;  // vocab_size: config.json's (0 where it gives none)
};

// Reads `path` (a config.json).
HfArchitecture read_hf_config(const std::string& path);

// A directory with config.json and no config.yaml: a Hugging Face model, not an anvil checkpoint.
bool is_hf_model_dir(const std::string& dir);
// DIR/config.json.
HfArchitecture read_hf_architecture(const std::string& dir);

// The config.json transformers loads as `family` with this architecture,
// vocabulary (the embedding's rows) and weight dtype ("float32", "bfloat16"). Throws naming the first feature of
// `config` that `family` lacks, or lacking a feature `family` always has.
std::string hf_config_json(HfFamily family, const GPTConfig& config, int64_t vocab, const std::string& dtype);

// Why `config` is not a model of `family` ("it lacks q/k norms (model.qk_norm)"), or "".
std::string family_mismatch(HfFamily family, const GPTConfig& config);

// The family an anvil model exports as when model.family names none: the
// first whose features it has (GPT-2, Llama, Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3).
HfFamily default_family(const GPTConfig& config);

}  // namespace anvil::models
