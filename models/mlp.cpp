#include "models/mlp.h"

#include <ATen/ops/gelu.h>
#include <ATen/ops/silu.h>

#include "models/kernels/bias_gelu.h"

namespace anvil::models {

MLPImpl::MLPImpl(const GPTConfig& c)
    : tanh_gelu(c.mlp == MlpKind::kGeluTanh || c.mlp == MlpKind::kGeGLU), fused_ops(c.fused_ops) {
  const int64_t hidden = c.mlp_hidden();
  auto linear = [&](const char* name, int64_t in, int64_t out) {
    return register_module(name, Linear(in, out, c.bias));
  };
  if (!c.gated_mlp()) {
    fc = linear("fc", c.n_embd, hidden);
  } else {
    gate = linear("gate", c.n_embd, hidden);
    up = linear("up", c.n_embd, hidden);
  }
  proj = linear("proj", hidden, c.n_embd);
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) {
  if (fc) return dropout(proj(gelu_of_fc(x)));
  const auto g = gate(x);
  return dropout(proj((tanh_gelu ? at::gelu(g, "tanh") : at::silu(g)) * up(x)));
}

torch::Tensor MLPImpl::gelu_of_fc(const torch::Tensor& x) {
  if (fused_ops && fc->bias.defined()) return kernels::bias_gelu(fc->forward_without_bias(x), fc->bias, tanh_gelu);
  return at::gelu(fc(x), tanh_gelu ? "tanh" : "none");
}

}  // namespace anvil::models
