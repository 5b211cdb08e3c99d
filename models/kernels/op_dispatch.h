#pragma once
// What the fused ops' C++ side shares: calling a template with the C++ type
// of an fp32 or bf16 tensor (their CPU paths), and, in builds with the CUDA
// kernels, the launchers, the current stream and the launchers' dtype names.
#include <c10/core/ScalarType.h>
#include <c10/util/BFloat16.h>

#ifdef ANVIL_CUDA_KERNELS
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAStream.h>

#include "models/kernels/cuda_launchers.h"
#endif

namespace anvil::kernels {

// Calls f with a value of the C++ type behind `type` (fp32 or bf16).
template <typename F>
void with_cpu_type(c10::ScalarType type, F f) {
  if (type == c10::kFloat)
    f(float{});
  else
    f(c10::BFloat16{});
}

#ifdef ANVIL_CUDA_KERNELS
inline cuda::Dtype cuda_dtype(c10::ScalarType type) {
  return type == c10::kFloat ? cuda::Dtype::kFloat : cuda::Dtype::kBFloat16;
}
#endif

}  // namespace anvil::kernels
