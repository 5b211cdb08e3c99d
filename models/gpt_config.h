#pragma once
// Plain description of a decoder-only Transformer; models/ never sees YAML.
// One block design covers GPT-2 (LayerNorm, GELU, learned positions, tied
// head) and Llama (RMSNorm, SwiGLU, RoPE, grouped-query attention, no biases).
#include <cstdint>

namespace anvil::models {

enum class PositionEncoding { kLearned, kSinusoidal, kRotary };
enum class NormKind { kLayerNorm, kRMSNorm };
enum class MlpKind { kGelu, kGeluTanh, kSwiGLU };  // kGeluTanh: GPT-2's "gelu_new"
enum class Pooling { kLast, kMean };  // what a classification head reads at each position

struct GPTConfig {
  int64_t vocab_size = 0;
  // Embedding and head rows are vocab_size rounded up to this, for GPU matmul
  // tiles (GPT-2: 50257 -> 50304). The extra rows are never targets, so
  // training drives their logits down; sampling never picks them.
  int64_t vocab_multiple = 1;
  int64_t block_size = 0;  // longest sequence the model accepts
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_kv_head = 0;  // key/value heads (grouped-query attention); 0: n_head
  int64_t n_embd = 0;
  int64_t ffn_hidden = 0;  // MLP width; 0: 4·n_embd (GELU) or 8/3·n_embd rounded up to 64 (SwiGLU)
  double dropout = 0.0;
  bool bias = true;  // biases in Linear and LayerNorm
  bool tie_embeddings = true;  // the LM head reuses the token embedding
  PositionEncoding position = PositionEncoding::kLearned;
  double rope_theta = 10000.0;
  NormKind norm = NormKind::kLayerNorm;
  double norm_eps = 1e-5;
  MlpKind mlp = MlpKind::kGelu;
  int64_t num_classes = 0;  // > 0: a classification head ("score") replaces the LM head
  Pooling pooling = Pooling::kLast;
  // In training, every Nth block keeps no activations and recomputes them in
  // backward (0: none; 1: every block).
  int64_t activation_checkpointing = 0;
  // Run the fused ops of models/kernels (one kernel where LibTorch runs
  // several). The caller sets it only where kernels::fused_ops_available.
  bool fused_ops = false;

  int64_t embedding_rows() const { return (vocab_size + vocab_multiple - 1) / vocab_multiple * vocab_multiple; }
  int64_t kv_heads() const { return n_kv_head > 0 ? n_kv_head : n_head; }
  int64_t head_dim() const { return n_embd / n_head; }
  int64_t mlp_hidden() const {
    if (ffn_hidden > 0) return ffn_hidden;
    return mlp == MlpKind::kSwiGLU ? (8 * n_embd / 3 + 63) / 64 * 64 : 4 * n_embd;
  }
};

}  // namespace anvil::models
