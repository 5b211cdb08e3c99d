#pragma once
// Plain description of a decoder-only Transformer; models/ never sees YAML.
// One block design covers GPT-2 (LayerNorm, GELU, learned positions, tied
// head), Llama (RMSNorm, SwiGLU, RoPE, grouped-query attention, no biases) and
// the families built on it: Qwen's q/k/v biases and q/k norms, Mistral's
// sliding window, Gemma's (1 + w) norms, GeGLU, norms after each sublayer,
// soft-capped scores and alternating local and global layers.
#include <cstdint>

namespace anvil::models {

enum class PositionEncoding { kLearned, kSinusoidal, kRotary };
enum class NormKind { kLayerNorm, kRMSNorm, kGemmaRMSNorm };  // Gemma: RMSNorm scaled by (1 + weight)
// kGeluTanh: GPT-2's "gelu_new"; kGeGLU: Gemma's gelu_tanh(gate(x)) * up(x).
enum class MlpKind { kGelu, kGeluTanh, kSwiGLU, kGeGLU };
enum class RopeScalingKind { kNone, kLinear, kLlama3, kYarn };
enum class Pooling { kLast, kMean };  // what a classification head reads at each position

// How the rotary frequencies are stretched for a context longer than the one
// a model was pretrained with, as Hugging Face's rope_scaling types define it.
struct RopeScaling {
  RopeScalingKind kind = RopeScalingKind::kNone;
  double factor = 1.0;
  int64_t original_context = 0;  // llama3, yarn: the pretraining context
  double low_freq_factor = 1.0;  // llama3
  double high_freq_factor = 4.0;
  double beta_fast = 32.0;  // yarn: the ramp between extrapolated and interpolated dimensions
  double beta_slow = 1.0;
  double attention_factor = 0.0;  // yarn: cos and sin are scaled by it; 0: 0.1·ln(factor) + 1
};

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
  int64_t head_size = 0;  // width of one attention head; 0: n_embd / n_head
  int64_t ffn_hidden = 0;  // MLP width; 0: 4·n_embd (GELU) or 8/3·n_embd rounded up to 64 (SwiGLU)
  double dropout = 0.0;
  bool bias = true;  // biases in Linear and LayerNorm
  bool qkv_bias = false;  // biases on the query, key and value projections even without `bias` (Qwen2)
  bool qk_norm = false;   // an RMSNorm over each head's queries and keys before RoPE (Qwen3, Gemma 3)
  bool post_norms = false;  // a norm on each sublayer's output before the residual add (Gemma 2/3)
  bool scale_embeddings = false;  // token embeddings times sqrt(n_embd) (Gemma)
  bool tie_embeddings = true;  // the LM head reuses the token embedding
  PositionEncoding position = PositionEncoding::kLearned;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  double rope_local_theta = 0.0;  // sliding-window layers' base, unscaled (Gemma 3); 0: as the others
  // Attention scores are q·k / sqrt(query_pre_attn_scalar); 0: head_dim (Gemma sets its own).
  double query_pre_attn_scalar = 0.0;
  double attn_softcap = 0.0;   // > 0: scores become softcap·tanh(scores / softcap) (Gemma 2)
  double logit_softcap = 0.0;  // the same on the LM head's logits
  // > 0: a token attends to itself and the sliding_window - 1 tokens before
  // it. Every layer does, or with global_every = N only the layers whose
  // 1-based index is not a multiple of N (Gemma 2: 2, Gemma 3: 6).
  int64_t sliding_window = 0;
  int64_t global_every = 0;
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
  int64_t head_dim() const { return head_size > 0 ? head_size : n_embd / n_head; }
  bool gated_mlp() const { return mlp == MlpKind::kSwiGLU || mlp == MlpKind::kGeGLU; }
  int64_t mlp_hidden() const {
    if (ffn_hidden > 0) return ffn_hidden;
    return gated_mlp() ? (8 * n_embd / 3 + 63) / 64 * 64 : 4 * n_embd;
  }
  bool sliding(int64_t layer) const {
    return sliding_window > 0 && (global_every == 0 || (layer + 1) % global_every != 0);
  }
};

}  // namespace anvil::models
