#include "training/memory_plan.h"

#include <algorithm>
#include <map>

namespace anvil::training {
namespace {

using models::GPTConfig;

int64_t linear(int64_t in, int64_t out, bool bias) { return in * out + (bias ? out : 0); }
int64_t norm(const GPTConfig& c) { return c.n_embd * (c.norm == models::NormKind::kLayerNorm && c.bias ? 2 : 1); }

int64_t block_parameters(const GPTConfig& c) {
  const int64_t C = c.n_embd, F = c.mlp_hidden(), D = c.head_dim(), qkv = (c.n_head + 2 * c.kv_heads()) * D;
  const int64_t mlp = c.gated_mlp() ? 2 * linear(C, F, c.bias) + linear(F, C, c.bias)
                                    : linear(C, F, c.bias) + linear(F, C, c.bias);
  const int64_t norms = (c.post_norms ? 4 : 2) * norm(c) + (c.qk_norm ? 2 * D : 0);
  return norms + linear(C, qkv, c.bias || c.qkv_bias) + linear(c.n_head * D, C, c.bias) + mlp;
}

// What attention keeps per token. Fused kernels (flash and memory-efficient
// on CUDA, the CPU's flash kernel without dropout) keep their output and
// log-sum-exp; the math path (the CPU with dropout) keeps the scaled q and k,
// the weights before and after dropout, the dropout mask and a contiguous
// copy of its output. A document mask is made additive in the activation dtype.
// A sliding window's mask is one [T, T] for the whole batch. Soft-capped
// scores (Gemma 2) go through the explicit softmax, which keeps the capped
// scores and the fp32 weights (and their cast under autocast).
double attention_bytes(const GPTConfig& c, double a, bool cuda, bool masked, int64_t batch) {
  const double C = c.n_head * c.head_dim(), H = c.n_head, T = c.block_size;
  double bytes = masked ? a * T : c.sliding_window > 0 && c.sliding_window < T ? a * T / batch : 0;
  if (c.attn_softcap > 0) return bytes + a * C + 4 * H * T + 4 * H * T + (a < 4 ? a * H * T : 0);
  if (cuda || c.dropout == 0) return bytes + a * C + 4 * H;
  return bytes + 3 * a * C + (2 * a + 1) * H * T;
}

// Bytes one block keeps per token for backward. `a`: bytes of a matmul input
// (2 under bf16 autocast); the residual stream and the norms stay fp32, and
// dropout masks are bool.
double block_bytes_per_token(const GPTConfig& c, double a, const PlanInputs& in) {
  const double C = c.n_embd, F = c.mlp_hidden(), H = c.n_head, D = c.head_dim(), KV = c.kv_heads();
  const double norm_stats = c.norm == models::NormKind::kLayerNorm ? 8 : 4;
  const double dropout_mask = c.dropout > 0 ? C : 0;
  double bytes = 4 * C + norm_stats;        // attention norm: its input
  bytes += in.bf16 ? a * C : 4 * C;         // qkv input: in bf16 (a cast, or the fused norm's output), or fp32
  bytes += a * (H + 2 * KV) * D;            // qkv output: q, k, v are views of it
  if (c.qk_norm) bytes += a * (H + KV) * D;  // normalised q and k
  if (c.position == models::PositionEncoding::kRotary) bytes += a * (H + KV) * D;  // rotated q and k
  if (KV != H) bytes += a * 2 * H * D;      // k and v repeated for every query head
  bytes += attention_bytes(c, a, in.cuda, in.document_masks, std::max<int64_t>(in.micro_batch, 1)) + dropout_mask;
  bytes += 4 * C + norm_stats;              // MLP norm: its input
  // Gate and up inputs: one tensor, except where autocast casts the fp32 norm output for each.
  // The sublayer outputs' norms keep their input and an fp32 copy of it (measured).
  if (c.post_norms) bytes += 2 * (a * C + 4 * C + norm_stats);
  if (c.gated_mlp())                        // ... and gate, activation, up outputs, product
    bytes += (in.bf16 && !c.fused_ops ? 2 : 1) * a * C + 4 * a * F;
  else                                      // fc input, fc output, gelu output
    bytes += a * C + 2 * a * F;
  return bytes + dropout_mask;
}

}  // namespace

int64_t count_parameters(const GPTConfig& c) {
  int64_t n = c.embedding_rows() * c.n_embd + c.n_layer * block_parameters(c) + norm(c);
  if (c.position == models::PositionEncoding::kLearned) n += c.block_size * c.n_embd;
  if (c.num_classes > 0) n += linear(c.n_embd, c.num_classes, true);
  else if (!c.tie_embeddings) n += c.embedding_rows() * c.n_embd;
  return n;
}

int64_t count_lora_parameters(const GPTConfig& c, int64_t rank, const std::vector<std::string>& targets) {
  const int64_t C = c.n_embd, F = c.mlp_hidden(), qkv = (c.n_head + 2 * c.kv_heads()) * c.head_dim();
  const std::map<std::string, int64_t> in_plus_out = {{"attn.qkv", C + qkv}, {"attn.proj", C + c.n_head * c.head_dim()},
                                                       {"mlp.fc", C + F},     {"mlp.gate", C + F},
                                                       {"mlp.up", C + F},     {"mlp.proj", F + C}};
  int64_t n = 0;
  for (const auto& t : targets) n += rank * in_plus_out.at(t) * c.n_layer;  // names checked by the config
  return n;
}

MemoryPlan plan_memory(const PlanInputs& in) {
  const auto& c = in.model;
  MemoryPlan p;
  p.parameters = count_parameters(c) + in.lora_parameters;
  const int64_t head = c.num_classes > 0 ? linear(c.n_embd, c.num_classes, true) : 0;
  p.trainable = in.lora_parameters > 0 ? in.lora_parameters + head : p.parameters;
  p.weights = 4.0 * static_cast<double>(p.parameters);
  p.gradients = 4.0 * static_cast<double>(p.trainable);
  p.optimizer = 8.0 * static_cast<double>(p.trainable) / (in.shard_optimizer ? in.world_size : 1);
  // The chunked loss casts the head per call and keeps no copy. Soft-capped
  // logits (Gemma 2) go through the whole head instead (batch_loss.cpp).
  const bool chunked = in.chunked_loss && c.num_classes == 0 && c.logit_softcap == 0;
  const double matrices = static_cast<double>(c.n_layer * block_parameters(c) + (chunked ? 0 : c.embedding_rows() * c.n_embd));
  if (in.bf16) p.weight_copies = 2.0 * matrices;

  const double a = in.bf16 ? 2 : 4, C = c.n_embd, V = c.embedding_rows();
  const double tokens = static_cast<double>(in.micro_batch) * static_cast<double>(c.block_size);
  const double block = block_bytes_per_token(c, a, in);
  // Checkpointed blocks keep only their input; one block's activations live again while it recomputes.
  const int64_t every = c.activation_checkpointing;
  const int64_t checkpointed = every > 0 ? (c.n_layer + every - 1) / every : 0;
  const double blocks = static_cast<double>(c.n_layer - checkpointed) * block +
                        static_cast<double>(checkpointed) * 4 * C + (checkpointed > 0 ? block : 0);
  double per_token = blocks + 8 /* token ids */ + (c.dropout > 0 ? C : 0) + 4 * C + 8 /* final norm */;
  double fixed = 0;
  if (chunked) {
    // The final norm adds the last block's MLP output in a fused kernel, and
    // under autocast that hands over bf16 states, unless the block was checkpointed.
    const bool last_checkpointed = every > 0 && (c.n_layer - 1) % every == 0;
    const double hidden = in.bf16 && c.fused_ops && !last_checkpointed ? 2 : 4;
    per_token += hidden * C;  // the gradient of the hidden states, formed in forward
    fixed += 4 * V * C;       // and of the head
    // While the loss runs: one chunk of logits (256 MiB, see chunked_lm_loss),
    // the head in autocast's dtype and a chunk's head gradient in it, and the
    // states cast to that dtype where they are not in it already.
    const double logit = c.fused_ops ? a : 4;  // the fused kernel's in their dtype, else an fp32 copy
    p.loss_transient = std::min(256.0 * (1 << 20), tokens * V * logit) + (in.bf16 ? 2 * a : 4) * V * C +
                       (in.bf16 && hidden == 4 ? a * C * tokens : 0);
  } else {
    per_token += a * C + 4 * V;  // head input, and log-softmax output kept by cross-entropy
    if (c.logit_softcap > 0) per_token += 2 * 4 * V;  // the logits before the cap, and the tanh's output
  }
  p.activations = tokens * per_token + fixed;
  p.accumulating = in.grad_accum > 1;
  return p;
}

}  // namespace anvil::training
