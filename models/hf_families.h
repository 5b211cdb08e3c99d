#pragma once
// What anvil knows of each Hugging Face family: its names, and what a family
// built on Llama fixes. Shared by the config.json reader and writer.
#include <vector>

#include "models/gpt_config.h"
#include "models/hf_config.h"

namespace anvil::models {

struct FamilyInfo {
  HfFamily family;
  const char* name;          // anvil's, model.family
  const char* model_type;    // config.json's
  const char* architecture;  // the transformers class
};

// Every family, in the order of hf_family_names().
const std::vector<FamilyInfo>& families();
const FamilyInfo& family_info(HfFamily family);

// What a family built on Llama fixes, and which of anvil's options its config.json can set.
struct Traits {
  NormKind norm = NormKind::kRMSNorm;
  MlpKind mlp = MlpKind::kSwiGLU;
  bool qkv_bias = false, qk_norm = false, post_norms = false, scale_embeddings = false;
  bool softcaps = false;        // attn_logit_softcapping, final_logit_softcapping
  bool sliding_window = false;  // sliding_window
  bool layer_pattern = false;   // layer_types mixing sliding and full attention
  bool local_theta = false;     // a rope base of the sliding layers' own
  bool query_scalar = false;    // query_pre_attn_scalar
};

Traits family_traits(HfFamily family);

inline bool is_gemma(HfFamily f) { return f == HfFamily::kGemma2 || f == HfFamily::kGemma3; }
inline bool is_qwen(HfFamily f) { return f == HfFamily::kQwen2 || f == HfFamily::kQwen3; }

}  // namespace anvil::models
