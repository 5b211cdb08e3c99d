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

}  // namespace anvil::trainer
