#pragma once
// Gradient clipping by global norm, as torch's clip_grad_norm_ scales the
// gradients, without waiting for the device: the norm stays a tensor (torch's
// returns a double, which stalls every step on a GPU), and the division
// happens in the optimizer's step (AdamW::step_dividing_gradients).
#include <vector>

#include <ATen/core/Tensor.h>

namespace anvil::training {

// The global L2 norm of the gradients of `params`, as a scalar tensor.
at::Tensor gradient_norm(const std::vector<at::Tensor>& params);

// What clipping to max_norm divides the gradients by: max(1, (norm + 1e-6) / max_norm).
at::Tensor clip_divisor(const at::Tensor& norm, double max_norm);

}  // namespace anvil::training
