#pragma once
#include <memory>

#include <torch/nn/module.h>
#include <torch/optim/adamw.h>

#include "trainer/run_config.h"

namespace anvil::trainer {

// AdamW with two parameter groups: weight decay on matrices and embeddings
// (dim >= 2), none on biases and norm gains, as in GPT-2 and nanoGPT.
std::unique_ptr<torch::optim::AdamW> make_adamw(const torch::nn::Module& model, const OptimSection& options);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace anvil::trainer
