#pragma once
// A residual add and the norm after it as one op: the pre-norm block's
// `x = x + sublayer(...)` followed by `norm(x)`.
#include <utility>

#include <ATen/core/Tensor.h>

namespace anvil::kernels {

struct AddNormResult {
  at::Tensor sum;     // x + delta, in their promoted dtype
  at::Tensor normed;  // norm(sum)·weight + bias: in autocast's dtype under autocast, else sum's
};

// x and delta [..., C] (fp32 or bf16), weight [C] and bias [C] or undefined
// (fp32). `centred`: LayerNorm; otherwise RMSNorm (bias undefined). Matches
// `s = x + delta; layer_norm(s)` or `rms_norm(s)`, gradients included, with
// fp32 statistics. CPU, and CUDA when built with the kernels.
AddNormResult add_norm(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& weight, const at::Tensor& bias,
                       double eps, bool centred);

}  // namespace anvil::kernels
