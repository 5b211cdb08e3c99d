// Bias and GELU after a matmul, forward and backward. Forward is one
// elementwise pass; backward forms the input gradient and, in the same pass,
// the bias gradient's column sums (LibTorch runs gelu_backward, then a
// separate reduction over the rows).
#include <algorithm>
#include <type_traits>

#include "models/kernels/cuda_common.cuh"
#include "models/kernels/gelu_math.h"

namespace anvil::kernels::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kColumnThreads = 32, kRowThreads = kThreads / kColumnThreads;

template <typename T, int N>
__global__ void __launch_bounds__(kThreads)
    bias_gelu_forward_kernel(const T* pre, const float* bias, T* out, int64_t packs, int64_t width, bool tanh) {
  using P = Pack<T, N>;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(kThreads) + threadIdx.x; i < packs;
       i += static_cast<int64_t>(gridDim.x) * kThreads) {
    const P p = reinterpret_cast<const P*>(pre)[i];
    const int64_t column = (i * N) % width;  // width % N == 0: a pack never spans two rows
    P y;
    for (int k = 0; k < N; ++k) y.v[k] = from_float<T>(gelu(to_float(p.v[k]) + bias[column + k], tanh));
    reinterpret_cast<P*>(out)[i] = y;
  }
}

// Threads (x, y) of a block: x walks packs of columns, y walks rows; the
// column sums meet in shared memory at the end.
template <typename T, int N>
__global__ void __launch_bounds__(kThreads)
    bias_gelu_backward_kernel(const T* grad, const T* pre, const float* bias, T* d_pre, float* partials, int64_t rows,
                              int64_t width, bool tanh) {
  using P = Pack<T, N>;
  const int64_t column_packs = width / N;
  const int64_t cp = blockIdx.x * static_cast<int64_t>(kColumnThreads) + threadIdx.x;
  float column_sum[N] = {};
  if (cp < column_packs) {
    for (int64_t row = blockIdx.y * static_cast<int64_t>(kRowThreads) + threadIdx.y; row < rows;
         row += static_cast<int64_t>(gridDim.y) * kRowThreads) {
      const int64_t i = row * column_packs + cp;
      const P g = reinterpret_cast<const P*>(grad)[i], p = reinterpret_cast<const P*>(pre)[i];
      P d;
      for (int k = 0; k < N; ++k) {
        const float dk = to_float(g.v[k]) * gelu_derivative(to_float(p.v[k]) + bias[cp * N + k], tanh);
        d.v[k] = from_float<T>(dk);
        column_sum[k] += dk;
      }
      reinterpret_cast<P*>(d_pre)[i] = d;
    }
  }
  __shared__ float sums[kRowThreads][kColumnThreads][N];
  for (int k = 0; k < N; ++k) sums[threadIdx.y][threadIdx.x][k] = column_sum[k];
  __syncthreads();
  if (threadIdx.y != 0 || cp >= column_packs) return;
  for (int k = 0; k < N; ++k) {
    float total = 0.f;
    for (int y = 0; y < kRowThreads; ++y) total += sums[y][threadIdx.x][k];
    partials[blockIdx.y * width + cp * N + k] = total;
  }
}

// Packs of 16 bytes when every row starts on one, else single elements.
template <typename T, typename F>
void with_pack(const void* a, const void* b, int64_t width, F f) {
  if (packs_fit<T>(a, width) && packs_fit<T>(b, width))
    f(std::integral_constant<int, kPack<T>>{});
  else
    f(std::integral_constant<int, 1>{});
}

template <typename T>
void forward(const T* pre, const float* bias, T* out, int64_t rows, int64_t width, bool tanh, cudaStream_t stream) {
  with_pack<T>(pre, out, width, [&](auto n) {
    constexpr int N = decltype(n)::value;
    const int64_t packs = rows * width / N;
    const int64_t blocks = std::min<int64_t>((packs + kThreads - 1) / kThreads, int64_t{sm_count()} * 16);
    bias_gelu_forward_kernel<T, N><<<blocks, kThreads, 0, stream>>>(pre, bias, out, packs, width, tanh);
  });
}

template <typename T>
void backward(const T* grad, const T* pre, const float* bias, T* d_pre, float* partials, int64_t rows, int64_t width,
              bool tanh, cudaStream_t stream) {
  // grad may be any view the caller made contiguous; all three must take packs.
  const bool packed = packs_fit<T>(grad, width) && packs_fit<T>(pre, width) && packs_fit<T>(d_pre, width);
  auto launch = [&](auto n) {
    constexpr int N = decltype(n)::value;
    const dim3 grid((width / N + kColumnThreads - 1) / kColumnThreads, bias_gelu_backward_row_blocks(rows));
    bias_gelu_backward_kernel<T, N><<<grid, dim3(kColumnThreads, kRowThreads), 0, stream>>>(
        grad, pre, bias, d_pre, partials, rows, width, tanh);
  };
  if (packed)
    launch(std::integral_constant<int, kPack<T>>{});
  else
    launch(std::integral_constant<int, 1>{});
}

}  // namespace

cudaError_t bias_gelu_forward(const void* pre, const float* bias, void* out, Dtype dtype, int64_t rows, int64_t width,
                              bool tanh, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  if (dtype == Dtype::kFloat)
    forward(static_cast<const float*>(pre), bias, static_cast<float*>(out), rows, width, tanh, stream);
  else
    forward(static_cast<const __nv_bfloat16*>(pre), bias, static_cast<__nv_bfloat16*>(out), rows, width, tanh, stream);
  return cudaGetLastError();
}

int bias_gelu_backward_row_blocks(int64_t rows) {
  // 256 row blocks times the column blocks fill an H100 a few times over for
  // GPT-2's MLP; more would only lengthen the partial sums.
  return static_cast<int>(std::clamp<int64_t>((rows + kRowThreads - 1) / kRowThreads, 1, 256));
}

cudaError_t bias_gelu_backward(const void* grad, const void* pre, const float* bias, void* d_pre, float* partials,
                               Dtype dtype, int64_t rows, int64_t width, bool tanh, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  if (dtype == Dtype::kFloat)
    backward(static_cast<const float*>(grad), static_cast<const float*>(pre), bias, static_cast<float*>(d_pre),
             partials, rows, width, tanh, stream);
  else
    backward(static_cast<const __nv_bfloat16*>(grad), static_cast<const __nv_bfloat16*>(pre), bias,
             static_cast<__nv_bfloat16*>(d_pre), partials, rows, width, tanh, stream);
  return cudaGetLastError();
}

}  // namespace anvil::kernels::cuda
