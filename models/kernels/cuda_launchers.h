#pragma once
// The CUDA kernels' entry points: plain pointers and a stream, so the .cu
// files need no LibTorch headers. Each returns cudaGetLastError() after its
// launch; the tensor-level ops in this folder check shapes and dtypes first.
// Only compiled and included when anvil is built with CUDA (ANVIL_CUDA_KERNELS).
#include <cstdint>

#include <cuda_runtime_api.h>

namespace anvil::kernels::cuda {

enum class Dtype { kFloat, kBFloat16 };

cudaError_t cross_entropy_with_grad(void* logits, Dtype dtype, const int64_t* targets, const float* row_weights,
                                    float* losses, int64_t rows, int64_t vocab, float label_smoothing,
                                    bool write_grad, cudaStream_t stream);

// Residual add and norm (LayerNorm when `centred`, else RMSNorm) of rows of
// `width`: sum = x + delta, normed = norm(sum)·weight + bias (bias may be
// null), and each row's mean (0 for RMSNorm) and 1/std for backward. weight,
// bias, mean and rstd are fp32; sum has the promoted dtype of x and delta.
struct AddNormTypes {
  Dtype x, delta, sum, normed;
};
cudaError_t add_norm_forward(const void* x, const void* delta, const float* weight, const float* bias, void* sum,
                             void* normed, float* mean, float* rstd, AddNormTypes types, int64_t rows, int64_t width,
                             float eps, bool centred, cudaStream_t stream);

// The row blocks add_norm_backward splits `rows` into: one row of weight and
// bias gradient partials each, which the caller sums.
int add_norm_backward_blocks(int64_t rows);

// d_sum = grad_sum + the norm's input gradient for grad_normed (grad_sum may
// be null: no gradient reached the sum directly); d_low, if not null, gets
// the same in bf16 (for a bf16 input of an fp32 sum). partials [blocks, 2,
// width] fp32 receive the per-block sums of grad_normed · x̂ and grad_normed.
cudaError_t add_norm_backward(const void* grad_sum, const void* grad_normed, const void* sum, const float* weight,
                              const float* mean, const float* rstd, void* d_sum, void* d_low, float* partials,
                              AddNormTypes types, int64_t rows, int64_t width, bool centred, cudaStream_t stream);

// out = gelu(pre + bias) (tanh approximation or exact erf) for rows of
// `width`; bias fp32, pre and out of one dtype.
cudaError_t bias_gelu_forward(const void* pre, const float* bias, void* out, Dtype dtype, int64_t rows, int64_t width,
                              bool tanh, cudaStream_t stream);

// The row blocks bias_gelu_backward splits `rows` into: one row of bias
// gradient partials each, which the caller sums.
int bias_gelu_backward_row_blocks(int64_t rows);

// d_pre = grad · gelu'(pre + bias); partials [row_blocks, width] fp32 get the
// per-block column sums of d_pre (the bias gradient).
cudaError_t bias_gelu_backward(const void* grad, const void* pre, const float* bias, void* d_pre, float* partials,
                               Dtype dtype, int64_t rows, int64_t width, bool tanh, cudaStream_t stream);

}  // namespace anvil::kernels::cuda
