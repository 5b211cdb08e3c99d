#include "recipes/model_section.h"

namespace anvil::recipes {

ModelSection model_section(const models::GPTConfig& c) {
  using models::MlpKind, models::NormKind, models::PositionEncoding;
  ModelSection m;
  m.n_layer = c.n_layer;
  m.n_head = c.n_head;
  m.n_kv_head = c.n_kv_head;
  m.n_embd = c.n_embd;
  m.ffn_hidden = c.ffn_hidden;
  m.block_size = c.block_size;
  m.dropout = c.dropout;
  m.bias = c.bias;
  m.tie_embeddings = c.tie_embeddings;
  m.position = c.position == PositionEncoding::kRotary       ? "rope"
               : c.position == PositionEncoding::kSinusoidal ? "sinusoidal"
                                                             : "learned";
  m.rope_theta = c.rope_theta;
  m.norm = c.norm == NormKind::kRMSNorm ? "rmsnorm" : "layernorm";
  m.norm_eps = c.norm_eps;
  m.mlp = c.mlp == MlpKind::kSwiGLU ? "swiglu" : c.mlp == MlpKind::kGeluTanh ? "gelu_tanh" : "gelu";
  m.vocab_multiple = c.vocab_multiple;
  m.activation_checkpointing = c.activation_checkpointing;
  return m;
}

}  // namespace anvil::recipes
