#include "training/gradient_clipping.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/_foreach_norm.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>

namespace anvil::training {

at::Tensor gradient_norm(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return at::zeros({});
  return at::stack(at::_foreach_norm(grads, 2)).norm();
}

at::Tensor clip_divisor(const at::Tensor& norm, double max_norm) {
  return ((norm + 1e-6) / max_norm).clamp_min(1.0);
}

}  // namespace anvil::training
