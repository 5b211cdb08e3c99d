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

}  // namespace anvil::kernels::cuda
