#pragma once
// The blocks and the final norm with fused_ops (GPTConfig): each residual add
// runs in the kernel of the norm after it (kernels::add_norm), so a block
// hands its MLP output on unadded ("pending") and the next norm adds it. It
// computes what the reference forward (gpt.cpp: x = block(x), then ln_final)
// does, in fewer kernels and without writing the residual stream alone.
#include <torch/nn/modules/container/modulelist.h>

#include "models/block_pass.h"
#include "models/norm.h"

namespace anvil::models {

// ln_final(x after every block of `blocks`, in turn).
torch::Tensor fused_blocks_then_norm(const BlockPass& pass, const torch::nn::ModuleList& blocks,
                                     NormImpl& ln_final, torch::Tensor x);

}  // namespace anvil::models
