#pragma once
#include <memory>

#include <vector>

#include <torch/optim/adamw.h>

#include "training/fused_adamw.h"
#include "recipes/run_config.h"

namespace anvil::training {

// AdamW over `params` with two groups: weight decay on matrices and
// embeddings (dim >= 2), none on biases and norm gains, as in GPT-2 and nanoGPT.
std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<torch::Tensor>& params, const recipes::OptimSection& options);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

// The global L2 norm of the gradients of `params`, as a tensor: nothing waits
// for the device (LibTorch's clip_grad_norm_ returns a double, which stalls
// every step on a GPU).
torch::Tensor gradient_norm(const std::vector<torch::Tensor>& params);

// What clipping to max_norm divides the gradients by, as torch's
// clip_grad_norm_ scales them: max(1, (norm + 1e-6) / max_norm).
torch::Tensor clip_divisor(const torch::Tensor& norm, double max_norm);

// One AdamW step on the gradients divided by `divisor` (a scalar tensor;
// undefined: as they are). The fused AdamW divides as its kernel reads them;
// the plain one gets a pass over the gradients first.
void step_dividing_gradients(torch::optim::AdamW& optimizer, const torch::Tensor& divisor);

}  // namespace anvil::training
