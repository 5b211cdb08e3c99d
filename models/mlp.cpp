#include "models/mlp.h"

#include <ATen/ops/gelu.h>
#include <ATen/ops/silu.h>

namespace anvil::models {

MLPImpl::MLPImpl(const GPTConfig& c) : tanh_gelu(c.mlp == MlpKind::kGeluTanh) {
  const int64_t hidden = c.mlp_hidden();
  auto linear = [&](const char* name, int64_t in, int64_t out) {
    return register_module(name, Linear(in, out, c.bias));
  };
  if (c.mlp != MlpKind::kSwiGLU) {
    fc = linear("fc", c.n_embd, hidden);
  } else {
    gate = linear("gate", c.n_embd, hidden);
    up = linear("up", c.n_embd, hidden);
  }
  proj = linear("proj", hidden, c.n_embd);
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) {
  const auto hidden = fc ? at::gelu(fc(x), tanh_gelu ? "tanh" : "none") : at::silu(gate(x)) * up(x);
  return dropout(proj(hidden));
}

}  // namespace anvil::models
