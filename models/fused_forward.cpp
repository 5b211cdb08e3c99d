#include "models/fused_forward.h"

#include <tuple>
#include <utility>

#include "models/kernels/add_norm.h"
#include "models/transformer_block.h"

namespace anvil::models {
namespace {

// {x + delta, norm(x + delta)} as one kernel; an undefined delta adds nothing.
std::pair<torch::Tensor, torch::Tensor> add_then_norm(NormImpl& norm, const torch::Tensor& x,
                                                      const torch::Tensor& delta) {
  if (!delta.defined()) return {x, norm.forward(x)};
  auto out = kernels::add_norm(x, delta, norm.scale(), norm.bias, norm.eps, norm.kind == NormKind::kLayerNorm);
  return {out.sum, out.normed};
}

// The block on input x + pending (pending may be undefined), its residual
// adds moved into the norms after them: {s, m} with s + m the block's output.
std::pair<torch::Tensor, torch::Tensor> block_with_pending(TransformerBlockImpl& block, const torch::Tensor& x,
                                                           const torch::Tensor& pending,
                                                           const AttentionContext& context) {
  const auto [input, attn_in] = add_then_norm(*block.ln_attn, x, pending);
  const auto [sum, mlp_in] = add_then_norm(*block.ln_mlp, input, block.attention(attn_in, context));
  return {sum, block.feed_forward(mlp_in)};
}

}  // namespace

torch::Tensor fused_blocks_then_norm(const BlockPass& pass, const torch::nn::ModuleList& blocks,
                                     NormImpl& ln_final, torch::Tensor x) {
  torch::Tensor pending;  // the last block's MLP output, not yet added to x
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto block = blocks->ptr<TransformerBlockImpl>(i);
    if (!pass.checkpointed(i)) {
      std::tie(x, pending) = block_with_pending(*block, x, pending, pass.context(i));
      continue;
    }
    if (pending.defined()) x = x + pending;  // a checkpointed block keeps one input
    pending = torch::Tensor();
    const auto whole_block = [block](const torch::Tensor& h, const AttentionContext& context) {
      const auto [sum, mlp_out] = block_with_pending(*block, h, {}, context);
      return sum + mlp_out;
    };
    x = pass.run_checkpointed(whole_block, x, block->parameters());
  }
  return add_then_norm(ln_final, x, pending).second;
}

}  // namespace anvil::models
