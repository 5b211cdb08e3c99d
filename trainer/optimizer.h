#pragma once
#include <memory>

#include <vector>

#include <torch/optim/adamw.h>

#include "trainer/fused_adamw.h"
#include "trainer/run_config.h"

namespace anvil::trainer {

// AdamW over `params` with two groups: weight decay on matrices and
// embeddings (dim >= 2), none on biases and norm gains, as in GPT-2 and nanoGPT.
std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<torch::Tensor>& params, const OptimSection& options);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

// Scales the gradients of `params` so their global L2 norm is at most
// max_norm, as torch's clip_grad_norm_ does, and returns the norm before
// clipping as a tensor: nothing waits for the device (LibTorch's version
// returns a double, which stalls every step on a GPU).
torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace anvil::trainer
