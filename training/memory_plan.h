#pragma once
// Predicts the memory of a training run per rank before it starts, from the
// tensors anvil's step keeps (`anvil plan`). Activations are counted from what
// each operation of a block saves for backward, so the estimate follows the
// options that change it: precision, activation checkpointing, the chunked
// loss, dropout, document masks, grouped-query attention, SwiGLU.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "models/gpt_config.h"

namespace anvil::training {

struct PlanInputs {
  models::GPTConfig model;
  int64_t micro_batch = 1;     // sequences per rank per micro-batch
  int64_t grad_accum = 1;      // micro-batches per optimizer step
  bool cuda = false;           // which attention kernels run (see memory_plan.cpp)
  bool bf16 = false;           // autocast: matmul inputs kept in bf16
  bool chunked_loss = true;
  bool document_masks = false;  // attention with a mask: the T×T weights are kept
  int64_t lora_parameters = 0;  // > 0: LoRA adapters train (and a classification head); the rest is frozen
  int world_size = 1;
  bool shard_optimizer = false;
};

struct MemoryPlan {
  int64_t parameters = 0, trainable = 0;  // adapters included
  // Bytes per rank.
  double weights = 0;        // fp32
  double gradients = 0;      // fp32, trainable parameters
  double optimizer = 0;      // AdamW's two moments, this rank's share
  double weight_copies = 0;  // bf16 casts of the matrices, kept for backward
  double activations = 0;    // what forward keeps for backward, head and loss included
  double loss_transient = 0; // held only while the loss runs, on top of the activations
  bool accumulating = false; // gradients live through forward (gradient accumulation)
  // The allocator's peak: the end of forward, with the loss's working memory,
  // or after backward, whichever is larger. Gradients are freed between steps
  // (zero_grad sets them to none), so forward holds them only when accumulating.
  double peak() const {
    const double forward = weight_copies + activations + loss_transient + (accumulating ? gradients : 0);
    return weights + optimizer + std::max(forward, gradients);
  }
};

// Parameters of a GPT with this config, counted without building it.
int64_t count_parameters(const models::GPTConfig& model);
// Parameters LoRA adds of `rank` on the named linear layers (attn.qkv, mlp.fc, ...),
// which must be layers of this model.
int64_t count_lora_parameters(const models::GPTConfig& model, int64_t rank, const std::vector<std::string>& targets);

MemoryPlan plan_memory(const PlanInputs& in);

}  // namespace anvil::training
