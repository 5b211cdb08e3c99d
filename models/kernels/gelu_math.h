#pragma once
// GELU and its derivative, for the CUDA kernels and the CPU path alike:
// exact, x·Φ(x), or GPT-2's tanh approximation.
#include <cmath>

#ifdef __CUDACC__
#define ANVIL_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define ANVIL_HOST_DEVICE inline
#endif

namespace anvil::kernels {

ANVIL_HOST_DEVICE float gelu(float x, bool tanh_form) {
  if (tanh_form) {
    const float inner = 0.7978845608f * (x + 0.044715f * x * x * x);  // sqrt(2/π)·(x + 0.044715·x³)
    return 0.5f * x * (1.f + tanhf(inner));
  }
  return 0.5f * x * (1.f + erff(x * 0.7071067812f));
}

ANVIL_HOST_DEVICE float gelu_derivative(float x, bool tanh_form) {
  if (tanh_form) {
    const float inner = 0.7978845608f * (x + 0.044715f * x * x * x);
    const float t = tanhf(inner);
    return 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * 0.7978845608f * (1.f + 3.f * 0.044715f * x * x);
  }
  const float cdf = 0.5f * (1.f + erff(x * 0.7071067812f));
  return cdf + x * 0.3989422804f * expf(-0.5f * x * x);  // Φ(x) + x·φ(x)
}

}  // namespace anvil::kernels
