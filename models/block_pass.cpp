#include "models/block_pass.h"

#include "models/activation_checkpoint.h"

namespace anvil::models {
namespace {

// The context without a cache: the rotary tables if any and, for packed documents, positions and mask.
AttentionContext uncached_context(const RotaryTables& rotary, const RotaryTables& local_rotary,
                                  const torch::Tensor& positions, const torch::Tensor& mask) {
  AttentionContext context;
  context.rotary = rotary.cos.defined() ? &rotary : nullptr;
  context.local_rotary = local_rotary.cos.defined() ? &local_rotary : nullptr;
  if (positions.defined()) {
    context.positions = &positions;
    context.mask = &mask;
  }
  return context;
}

}  // namespace

AttentionContext BlockPass::context(size_t layer) const {
  auto context = uncached_context(rotary, local_rotary, positions, mask);
  if (cache) {  // never with packed documents
    context.keys = &cache->keys[layer];
    context.values = &cache->values[layer];
    context.past = cache->length;
  }
  return context;
}

bool BlockPass::checkpointed(size_t layer) const {
  return checkpoint_every > 0 && static_cast<int64_t>(layer) % checkpoint_every == 0;
}

torch::Tensor BlockPass::run_checkpointed(BlockFn fn, const torch::Tensor& x,
                                          const std::vector<torch::Tensor>& params) const {
  // The recompute outlives this pass: it owns copies of the tables.
  auto recompute = [fn = std::move(fn), rotary = rotary, local_rotary = local_rotary, positions = positions,
                    mask = mask](const torch::Tensor& h) {
    return fn(h, uncached_context(rotary, local_rotary, positions, mask));
  };
  return models::checkpointed(recompute, x, params);
}

}  // namespace anvil::models
