#pragma once
// Activation checkpointing: run a function of x without keeping the tensors
// its backward would need, and run it again during backward to get them back.
// Memory for a block's activations is traded for one more forward of it.
#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

namespace anvil::models {

// fn(x), where fn reads `params` besides x. With grad mode on, the result's
// backward recomputes fn(x) under the random-number and autocast state of this
// call (so dropout masks repeat) and hands the gradients of x and of each
// parameter to the ordinary autograd graph: they accumulate as if fn had run
// plainly, through the same hooks (data-parallel gradient sync sees them).
// fn must own what it captures: it runs again after this call returns.
at::Tensor checkpointed(std::function<at::Tensor(const at::Tensor&)> fn, const at::Tensor& x,
                        const std::vector<at::Tensor>& params);

}  // namespace anvil::models
