#pragma once
// What the kernels share: fp32 and bf16 loads and stores, 16-byte packs of
// elements (one vector load each), and warp and block reductions.
#include <cstdint>

#include <cuda_bf16.h>

#include "models/kernels/cuda_launchers.h"

namespace anvil::kernels::cuda {

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) { return x; }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16(x); }

// N elements loaded and stored as one unit; N · sizeof(T) = 16 gives 128-bit accesses.
template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

template <typename T>
constexpr int kPack = 16 / sizeof(T);

// Whether rows of `row_elements` T starting at `base` can all be read in 16-byte packs.
template <typename T>
bool packs_fit(const void* base, int64_t row_elements) {
  return reinterpret_cast<uintptr_t>(base) % 16 == 0 && row_elements % kPack<T> == 0;
}

// The current device's multiprocessors, for sizing grids.
inline int sm_count() {
  int device = 0, count = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device);
  return count > 0 ? count : 1;
}

template <typename Op, typename V>
__device__ __forceinline__ V warp_reduce(V v, Op op) {
  for (int offset = 16; offset > 0; offset /= 2) v = op(v, V::shfl_xor(v, offset));
  return v;
}

// The reduction of every thread's value, returned to all threads. V has a
// static shfl_xor and `identity`; the block size is a multiple of 32.
template <typename V, typename Op>
__device__ V block_reduce(V v, Op op) {
  __shared__ V partial[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  v = warp_reduce(v, op);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = warp_reduce(lane < warps ? partial[lane] : V::identity(), op);
    if (lane == 0) partial[0] = v;
  }
  __syncthreads();
  const V result = partial[0];
  __syncthreads();  // partial may be reused by the next reduction
  return result;
}

// A float with the warp-shuffle interface block_reduce wants.
struct Sum {
  float value;
  static __device__ Sum identity() { return {0.f}; }
  static __device__ Sum shfl_xor(Sum s, int offset) { return {__shfl_xor_sync(0xffffffffu, s.value, offset)}; }
};
struct Add {
  __device__ Sum operator()(Sum a, Sum b) const { return {a.value + b.value}; }
};

}  // namespace anvil::kernels::cuda
