#pragma once
// What every block of one forward pass reads besides the residual stream, and
// how a block runs under activation checkpointing. The reference forward
// (gpt.cpp) and the fused one (fused_forward.cpp) share it.
#include <cstddef>
#include <functional>
#include <vector>

#include "models/causal_self_attention.h"
#include "models/kv_cache.h"
#include "models/rotary.h"

namespace anvil::models {

struct BlockPass {
  RotaryTables rotary;           // rotary positions only
  RotaryTables local_rotary;     // sliding-window layers with their own base only
  torch::Tensor positions;       // packed documents only: int64 [B, T]
  torch::Tensor mask;            // packed documents only: bool [B, 1, T, T]
  KVCache* cache = nullptr;      // its length: the positions before this pass's tokens
  int64_t checkpoint_every = 0;  // every Nth block keeps no activations (0: none); never with a cache

  // Block `layer`'s attention context, with its layer of the cache.
  AttentionContext context(size_t layer) const;
  bool checkpointed(size_t layer) const;
  // fn(x, context) through models::checkpointed. backward runs fn again after
  // the forward has returned, so fn must own what it captures (the block).
  using BlockFn = std::function<torch::Tensor(const torch::Tensor&, const AttentionContext&)>;
  torch::Tensor run_checkpointed(BlockFn fn, const torch::Tensor& x, const std::vector<torch::Tensor>& params) const;
};

}  // namespace anvil::models
