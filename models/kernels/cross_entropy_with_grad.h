#pragma once
// Softmax cross-entropy rows and their gradient as one kernel (llm.c's
// "fused classifier"): the logits are read once for their statistics and once
// more to be overwritten with the gradient, in their own dtype, with fp32
// math and no fp32 copy of the [rows, vocab] matrix.
#include <ATen/core/Tensor.h>

namespace anvil::kernels {

// logits [N, V] (fp32 or bf16, contiguous), targets [N] int64 in [0, V),
// row_weights [N] fp32 (0 drops a row). Returns each row's loss
//   w · (logsumexp(z) − (1 − ε)·z[t] − ε·mean(z))          fp32 [N]
// (torch's cross_entropy with label smoothing ε). With write_grad, logits
// becomes the gradient of the summed loss, w · (softmax(z) − (1 − ε)·onehot(t) − ε/V).
// Runs on CPU, and on CUDA when anvil was built with its CUDA kernels.
at::Tensor cross_entropy_with_grad_(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& row_weights,
                                    double label_smoothing, bool write_grad);

}  // namespace anvil::kernels
