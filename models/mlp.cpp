#include "models/mlp.h"

#include <ATen/ops/gelu.h>

namespace anvil::models {

MLPImpl::MLPImpl(const GPTConfig& c) {
  fc = register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(c.n_embd, 4 * c.n_embd).bias(c.bias)));
  proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(4 * c.n_embd, c.n_embd).bias(c.bias)));
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) { return dropout(proj(at::gelu(fc(x)))); }

}  // namespace anvil::models
