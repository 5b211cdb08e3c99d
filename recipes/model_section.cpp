#include "recipes/model_section.h"

namespace anvil::recipes {
namespace {

std::string position_name(models::PositionEncoding p) {
  using models::PositionEncoding;
  return p == PositionEncoding::kRotary ? "rope" : p == PositionEncoding::kSinusoidal ? "sinusoidal" : "learned";
}

std::string norm_name(models::NormKind n) {
  using models::NormKind;
  return n == NormKind::kRMSNorm ? "rmsnorm" : n == NormKind::kGemmaRMSNorm ? "gemma_rmsnorm" : "layernorm";
}

std::string mlp_name(models::MlpKind k) {
  using models::MlpKind;
  switch (k) {
    case MlpKind::kSwiGLU: return "swiglu";
    case MlpKind::kGeGLU: return "geglu";
    case MlpKind::kGeluTanh: return "gelu_tanh";
    case MlpKind::kGelu: break;
  }
  return "gelu";
}

std::string rope_scaling_name(models::RopeScalingKind k) {
  using models::RopeScalingKind;
  switch (k) {
    case RopeScalingKind::kLinear: return "linear";
    case RopeScalingKind::kLlama3: return "llama3";
    case RopeScalingKind::kYarn: return "yarn";
    case RopeScalingKind::kNone: break;
  }
  return "none";
}

}  // namespace

ModelSection model_section(const models::GPTConfig& c) {
  ModelSection m;
  m.n_layer = c.n_layer;
  m.n_head = c.n_head;
  m.n_kv_head = c.n_kv_head;
  m.n_embd = c.n_embd;
  m.head_dim = c.head_size;
  m.ffn_hidden = c.ffn_hidden;
  m.block_size = c.block_size;
  m.dropout = c.dropout;
  m.bias = c.bias;
  m.qkv_bias = c.qkv_bias;
  m.qk_norm = c.qk_norm;
  m.post_norms = c.post_norms;
  m.scale_embeddings = c.scale_embeddings;
  m.tie_embeddings = c.tie_embeddings;
  m.position = position_name(c.position);
  m.rope_theta = c.rope_theta;
  const auto& s = c.rope_scaling;
  m.rope_scaling = rope_scaling_name(s.kind);
  m.rope_factor = s.factor;
  m.rope_original_context = s.original_context;
  m.rope_low_freq_factor = s.low_freq_factor;
  m.rope_high_freq_factor = s.high_freq_factor;
  m.rope_beta_fast = s.beta_fast;
  m.rope_beta_slow = s.beta_slow;
  m.rope_attention_factor = s.attention_factor;
  m.rope_local_theta = c.rope_local_theta;
  m.query_pre_attn_scalar = c.query_pre_attn_scalar;
  m.attn_softcap = c.attn_softcap;
  m.logit_softcap = c.logit_softcap;
  m.sliding_window = c.sliding_window;
  m.global_every = c.global_every;
  m.norm = norm_name(c.norm);
  m.norm_eps = c.norm_eps;
  m.mlp = mlp_name(c.mlp);
  m.vocab_multiple = c.vocab_multiple;
  m.activation_checkpointing = c.activation_checkpointing;
  return m;
}

}  // namespace anvil::recipes
