// The Hugging Face families: their names, what each fixes, and whether a GPTConfig is one of them.
#include "models/hf_families.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace anvil::models {
namespace {

const std::vector<FamilyInfo> kFamilies = {
    {HfFamily::kGpt2, "gpt2", "gpt2", "GPT2LMHeadModel"},
    {HfFamily::kLlama, "llama", "llama", "LlamaForCausalLM"},
    {HfFamily::kMistral, "mistral", "mistral", "MistralForCausalLM"},
    {HfFamily::kQwen2, "qwen2", "qwen2", "Qwen2ForCausalLM"},
    {HfFamily::kQwen3, "qwen3", "qwen3", "Qwen3ForCausalLM"},
    {HfFamily::kGemma2, "gemma2", "gemma2", "Gemma2ForCausalLM"},
    {HfFamily::kGemma3, "gemma3", "gemma3_text", "Gemma3ForCausalLM"},
    {HfFamily::kPhi3, "phi3", "phi3", "Phi3ForCausalLM"},
};

}  // namespace

const std::vector<FamilyInfo>& families() { return kFamilies; }

const FamilyInfo& family_info(HfFamily family) {
  for (const auto& f : kFamilies)
    if (f.family == family) return f;
  throw std::logic_error("unknown family");
}

Traits family_traits(HfFamily family) {
  Traits t;
  switch (family) {
    case HfFamily::kMistral:
    case HfFamily::kPhi3: t.sliding_window = true; break;
    case HfFamily::kQwen2: t.qkv_bias = true; break;
    case HfFamily::kQwen3: t.qk_norm = true; break;
    case HfFamily::kGemma3:
      t.qk_norm = t.local_theta = true;
      [[fallthrough]];
    case HfFamily::kGemma2:
      t.norm = NormKind::kGemmaRMSNorm;
      t.mlp = MlpKind::kGeGLU;
      t.post_norms = t.scale_embeddings = t.softcaps = t.sliding_window = t.layer_pattern = t.query_scalar = true;
      break;
    default: break;
  }
  return t;
}

std::vector<std::string> hf_family_names() {
  std::vector<std::string> names;
  for (const auto& f : kFamilies) names.push_back(f.name);
  return names;
}

std::string family_name(HfFamily family) { return family_info(family).name; }

HfFamily family_named(const std::string& name) {
  std::string known;
  for (const auto& f : kFamilies) {
    if (name == f.name) return f.family;
    known += std::string(known.empty() ? "" : ", ") + f.name;
  }
  throw std::invalid_argument("unknown model family '" + name + "' (" + known + ")");
}

std::string family_mismatch(HfFamily family, const GPTConfig& m) {
  if (family == HfFamily::kGpt2) {
    if (m.norm != NormKind::kLayerNorm) return "its norm is not LayerNorm";
    if (m.gated_mlp()) return "its MLP is gated";
    if (m.position != PositionEncoding::kLearned) return "its positions are not learned";
    if (m.kv_heads() != m.n_head) return "it has grouped-query attention";
    if (m.head_size > 0 || m.qkv_bias || m.qk_norm || m.post_norms || m.scale_embeddings || m.sliding_window > 0 ||
        m.attn_softcap > 0 || m.logit_softcap > 0 || m.query_pre_attn_scalar > 0)
      return "it has features of the Llama families";
    return "";
  }
  const Traits t = family_traits(family);
  const auto differs = [](bool here, bool there, const std::string& what) {
    return here == there ? std::string() : (here ? "it has " : "it lacks ") + what;
  };
  if (m.norm != t.norm) return is_gemma(family) ? "its norm is not Gemma's RMSNorm" : "its norm is not RMSNorm";
  if (m.mlp != t.mlp) return is_gemma(family) ? "its MLP is not GeGLU" : "its MLP is not SwiGLU";
  if (m.position != PositionEncoding::kRotary) return "its positions are not rope";
  if (m.bias) return "it has biases (model.bias)";
  for (const auto& why : {differs(m.qkv_bias, t.qkv_bias, "q/k/v biases (model.qkv_bias)"),
                          differs(m.qk_norm, t.qk_norm, "q/k norms (model.qk_norm)"),
                          differs(m.post_norms, t.post_norms, "norms after each sublayer (model.post_norms)"),
                          differs(m.scale_embeddings, t.scale_embeddings, "scaled embeddings (model.scale_embeddings)")})
    if (!why.empty()) return why;
  if (!t.softcaps && (m.attn_softcap > 0 || m.logit_softcap > 0)) return "it soft-caps scores or logits";
  if (!t.sliding_window && m.sliding_window > 0) return "it has a sliding window";
  if (!t.layer_pattern && m.global_every > 0) return "it mixes sliding and global layers (model.global_every)";
  if (!t.local_theta && m.rope_local_theta > 0) return "its sliding layers have a RoPE base of their own";
  if (!t.query_scalar && m.query_pre_attn_scalar > 0) return "it scales queries by model.query_pre_attn_scalar";
  return "";
}

HfFamily default_family(const GPTConfig& m) {
  for (const auto f : {HfFamily::kGpt2, HfFamily::kLlama, HfFamily::kMistral, HfFamily::kQwen2, HfFamily::kQwen3,
                       HfFamily::kGemma2, HfFamily::kGemma3})
    if (family_mismatch(f, m).empty()) return f;
  throw std::runtime_error("this model matches no Hugging Face family anvil writes: as Llama, " +
                           family_mismatch(HfFamily::kLlama, m));
}

}  // namespace anvil::models
