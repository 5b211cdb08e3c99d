#pragma once
// The bias add and GELU that follow the MLP's first matmul, as one op.
#include <ATen/core/Tensor.h>

namespace anvil::kernels {

// gelu(pre + bias), exact or (tanh_form) GPT-2's approximation, in pre's
// dtype. pre [..., H] fp32 or bf16: the matmul's output without its bias;
// bias [H] fp32. Gradients reach pre and bias; the bias gradient is summed
// in the same pass that forms pre's. CPU, and CUDA when built with the kernels.
at::Tensor bias_gelu(const at::Tensor& pre, const at::Tensor& bias, bool tanh_form);

}  // namespace anvil::kernels
