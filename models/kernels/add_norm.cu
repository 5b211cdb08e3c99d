// Residual add and LayerNorm / RMSNorm. Forward writes the sum and the
// normalised row in one kernel (LibTorch runs the add, the norm in fp32 and,
// under autocast, a cast for the next matmul); backward adds the residual
// gradient to the norm's, writing the bf16 copy a bf16 input wants in the same
// pass, and sums the weight and bias gradients in a second kernel.
//
// Rows are short (a model's width), so a warp takes one and reduces it with
// shuffles alone: no block-wide barrier holds the other rows of an SM back.
#include <initializer_list>

#include "models/kernels/cuda_common.cuh"

namespace anvil::kernels::cuda {
namespace {

constexpr int kRowsPerBlock = 8;  // one warp each
constexpr int kThreads = kRowsPerBlock * 32;
// The weight and bias sums: a block takes 32 columns of kColumnBlockRows rows.
constexpr int64_t kColumnBlockRows = 256;

__device__ __forceinline__ float warp_sum(float v) { return warp_reduce(Sum{v}, Add{}).value; }

// The row this thread's warp takes, or -1 past the end (the whole warp leaves:
// the kernels below never synchronise more than a warp).
__device__ __forceinline__ int64_t warp_row(int64_t rows) {
  const int64_t row = blockIdx.x * int64_t{kRowsPerBlock} + threadIdx.x / 32;
  return row < rows ? row : -1;
}

// V elements of a row as floats, read or written in one access: 16 bytes for
// fp32 with V = 4. A lane takes V adjacent columns at a time.
template <int V, typename T>
__device__ __forceinline__ void load(const T* p, float (&out)[V]) {
  const Pack<T, V> pack = *reinterpret_cast<const Pack<T, V>*>(p);
#pragma unroll
  for (int i = 0; i < V; ++i) out[i] = to_float(pack.v[i]);
}
template <int V, typename T>
__device__ __forceinline__ void store(T* p, const float (&in)[V]) {
  Pack<T, V> pack;
#pragma unroll
  for (int i = 0; i < V; ++i) pack.v[i] = from_float<T>(in[i]);
  *reinterpret_cast<Pack<T, V>*>(p) = pack;
}

template <int V, typename TX, typename TD, typename TS, typename TN>
__global__ void __launch_bounds__(kThreads)
    add_norm_forward_kernel(const TX* x, const TD* delta, const float* weight, const float* bias, TS* sum, TN* normed,
                            float* mean_out, float* rstd_out, int64_t rows, int64_t width, float eps, bool centred) {
  const int64_t row = warp_row(rows);
  if (row < 0) return;
  const int lane = threadIdx.x % 32;
  const int64_t offset = row * width;
  x += offset, delta += offset, sum += offset, normed += offset;
  float total = 0.f;
  for (int64_t j = lane * V; j < width; j += 32 * V) {
    float xs[V], ds[V], ss[V];
    load<V>(x + j, xs);
    load<V>(delta + j, ds);
#pragma unroll
    for (int i = 0; i < V; ++i) {
      ss[i] = to_float(from_float<TS>(xs[i] + ds[i]));  // the sum as stored
      total += ss[i];
    }
    store<V>(sum + j, ss);
  }
  // Each lane rereads only what it wrote.
  const float mean = centred ? warp_sum(total) / static_cast<float>(width) : 0.f;
  float squares = 0.f;
  for (int64_t j = lane * V; j < width; j += 32 * V) {
    float ss[V];
    load<V>(sum + j, ss);
#pragma unroll
    for (int i = 0; i < V; ++i) squares += (ss[i] - mean) * (ss[i] - mean);
  }
  const float rstd = rsqrtf(warp_sum(squares) / static_cast<float>(width) + eps);
  for (int64_t j = lane * V; j < width; j += 32 * V) {
    float ss[V], ws[V], bs[V] = {}, ys[V];
    load<V>(sum + j, ss);
    load<V>(weight + j, ws);
    if (bias) load<V>(bias + j, bs);
#pragma unroll
    for (int i = 0; i < V; ++i) ys[i] = (ss[i] - mean) * rstd * ws[i] + bs[i];
    store<V>(normed + j, ys);
  }
  if (lane == 0) {
    mean_out[row] = mean;
    rstd_out[row] = rstd;
  }
}

// Per row, with x̂ the normalised sum and g = grad_normed · weight:
//   d_sum = grad_sum + rstd · (g − mean(g) − x̂ · mean(g · x̂))   (RMSNorm: no mean(g) term)
// d_low, if not null, receives d_sum in bf16 too.
template <int V, typename TS, typename TN>
__global__ void __launch_bounds__(kThreads)
    add_norm_backward_input_kernel(const TS* grad_sum, const TN* grad_normed, const TS* sum, const float* weight,
                                   const float* mean_in, const float* rstd_in, TS* d_sum, __nv_bfloat16* d_low,
                                   int64_t rows, int64_t width, bool centred) {
  const int64_t row = warp_row(rows);
  if (row < 0) return;
  const int lane = threadIdx.x % 32;
  const int64_t offset = row * width;
  grad_normed += offset, sum += offset, d_sum += offset;
  if (grad_sum) grad_sum += offset;
  if (d_low) d_low += offset;
  const float mean = mean_in[row], rstd = rstd_in[row];
  float sum_g = 0.f, sum_gx = 0.f;
  for (int64_t j = lane * V; j < width; j += 32 * V) {
    float gn[V], ss[V], ws[V];
    load<V>(grad_normed + j, gn);
    load<V>(sum + j, ss);
    load<V>(weight + j, ws);
#pragma unroll
    for (int i = 0; i < V; ++i) {
      const float g = gn[i] * ws[i];
      sum_g += g;
      sum_gx += g * (ss[i] - mean) * rstd;
    }
  }
  const float inv_width = 1.f / static_cast<float>(width);
  const float mean_g = centred ? warp_sum(sum_g) * inv_width : 0.f, mean_gx = warp_sum(sum_gx) * inv_width;
  for (int64_t j = lane * V; j < width; j += 32 * V) {
    float gn[V], ss[V], ws[V], residual[V] = {}, d[V];
    load<V>(grad_normed + j, gn);
    load<V>(sum + j, ss);
    load<V>(weight + j, ws);
    if (grad_sum) load<V>(grad_sum + j, residual);
#pragma unroll
    for (int i = 0; i < V; ++i) d[i] = residual[i] + rstd * (gn[i] * ws[i] - mean_g - (ss[i] - mean) * rstd * mean_gx);
    store<V>(d_sum + j, d);
    if (d_low) store<V>(d_low + j, d);
  }
}

// partials[blockIdx.y] = the sums of grad_normed · x̂ and of grad_normed over
// this block's rows, for its 32 columns: a warp reads 32 adjacent columns of
// a row, and the block's eight warps take every eighth row.
template <typename TS, typename TN>
__global__ void __launch_bounds__(kThreads)
    add_norm_backward_columns_kernel(const TN* grad_normed, const TS* sum, const float* mean, const float* rstd,
                                     float* partials, int64_t rows, int64_t width) {
  __shared__ float sums[2][kRowsPerBlock][33];  // padded: the final column reads do not collide
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int64_t column = blockIdx.x * int64_t{32} + lane;
  const int64_t first = blockIdx.y * kColumnBlockRows;
  const int64_t last = first + kColumnBlockRows < rows ? first + kColumnBlockRows : rows;
  float d_weight = 0.f, d_bias = 0.f;
  if (column < width) {
#pragma unroll 4
    for (int64_t row = first + warp; row < last; row += kRowsPerBlock) {
      const float gn = to_float(grad_normed[row * width + column]);
      d_weight += gn * (to_float(sum[row * width + column]) - mean[row]) * rstd[row];
      d_bias += gn;
    }
  }
  sums[0][warp][lane] = d_weight;
  sums[1][warp][lane] = d_bias;
  __syncthreads();
  if (warp < 2 && column < width) {
    float total = 0.f;
    for (int w = 0; w < kRowsPerBlock; ++w) total += sums[warp][w][lane];
    partials[(blockIdx.y * 2 + warp) * width + column] = total;
  }
}

// Calls f with a value of the C++ type behind each Dtype.
template <typename F>
void with_type(Dtype dtype, F f) {
  if (dtype == Dtype::kFloat)
    f(float{});
  else
    f(__nv_bfloat16{});
}

// Rows are read kVector elements at a time where the width and every row
// pointer allow it (null pointers are absent arguments).
constexpr int kVector = 4;
bool vectorised(int64_t width, std::initializer_list<const void*> pointers) {
  if (width % kVector != 0) return false;
  for (const void* p : pointers)
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0) return false;
  return true;
}

unsigned row_blocks(int64_t rows) { return static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock); }

}  // namespace

cudaError_t add_norm_forward(const void* x, const void* delta, const float* weight, const float* bias, void* sum,
                             void* normed, float* mean, float* rstd, AddNormTypes types, int64_t rows, int64_t width,
                             float eps, bool centred, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  with_type(types.x, [&](auto tx) {
    with_type(types.delta, [&](auto td) {
      with_type(types.sum, [&](auto ts) {
        with_type(types.normed, [&](auto tn) {
          using TX = decltype(tx);
          using TD = decltype(td);
          using TS = decltype(ts);
          using TN = decltype(tn);
          const auto kernel = vectorised(width, {x, delta, weight, bias, sum, normed})
                                  ? add_norm_forward_kernel<kVector, TX, TD, TS, TN>
                                  : add_norm_forward_kernel<1, TX, TD, TS, TN>;
          kernel<<<row_blocks(rows), kThreads, 0, stream>>>(
              static_cast<const TX*>(x), static_cast<const TD*>(delta), weight, bias, static_cast<TS*>(sum),
              static_cast<TN*>(normed), mean, rstd, rows, width, eps, centred);
        });
      });
    });
  });
  return cudaGetLastError();
}

int add_norm_backward_blocks(int64_t rows) {
  return static_cast<int>(rows > 0 ? (rows + kColumnBlockRows - 1) / kColumnBlockRows : 1);
}

cudaError_t add_norm_backward(const void* grad_sum, const void* grad_normed, const void* sum, const float* weight,
                              const float* mean, const float* rstd, void* d_sum, void* d_low, float* partials,
                              AddNormTypes types, int64_t rows, int64_t width, bool centred, cudaStream_t stream) {
  const int blocks = add_norm_backward_blocks(rows);
  if (rows == 0) return cudaMemsetAsync(partials, 0, 2 * width * sizeof(float), stream);
  with_type(types.sum, [&](auto ts) {
    with_type(types.normed, [&](auto tn) {
      using TS = decltype(ts);
      using TN = decltype(tn);
      const auto input_kernel = vectorised(width, {grad_sum, grad_normed, sum, weight, d_sum, d_low})
                                    ? add_norm_backward_input_kernel<kVector, TS, TN>
                                    : add_norm_backward_input_kernel<1, TS, TN>;
      input_kernel<<<row_blocks(rows), kThreads, 0, stream>>>(
          static_cast<const TS*>(grad_sum), static_cast<const TN*>(grad_normed), static_cast<const TS*>(sum), weight,
          mean, rstd, static_cast<TS*>(d_sum), static_cast<__nv_bfloat16*>(d_low), rows, width, centred);
      const dim3 grid(static_cast<unsigned>((width + 31) / 32), static_cast<unsigned>(blocks));
      add_norm_backward_columns_kernel<TS, TN><<<grid, kThreads, 0, stream>>>(
          static_cast<const TN*>(grad_normed), static_cast<const TS*>(sum), mean, rstd, partials, rows, width);
    });
  });
  return cudaGetLastError();
}

}  // namespace anvil::kernels::cuda
