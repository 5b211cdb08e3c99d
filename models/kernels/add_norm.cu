// Residual add and LayerNorm / RMSNorm, one thread block per row. Forward
// writes the sum and the normalised row in one kernel (LibTorch runs the add,
// the norm in fp32 and, under autocast, a cast for the next matmul); backward
// adds the residual gradient to the norm's and sums the weight and bias
// gradients per block, without a second pass over the rows.
#include "models/kernels/cuda_common.cuh"

namespace anvil::kernels::cuda {
namespace {

constexpr int kForwardThreads = 128;
constexpr int kBackwardThreads = 256;

struct Sum2 {
  float a, b;
  static __device__ Sum2 identity() { return {0.f, 0.f}; }
  static __device__ Sum2 shfl_xor(Sum2 s, int offset) {
    return {__shfl_xor_sync(0xffffffffu, s.a, offset), __shfl_xor_sync(0xffffffffu, s.b, offset)};
  }
};
struct Add2 {
  __device__ Sum2 operator()(Sum2 x, Sum2 y) const { return {x.a + y.a, x.b + y.b}; }
};

template <typename TX, typename TD, typename TS, typename TN>
__global__ void __launch_bounds__(kForwardThreads)
    add_norm_forward_kernel(const TX* x, const TD* delta, const float* weight, const float* bias, TS* sum, TN* normed,
                            float* mean_out, float* rstd_out, int64_t width, float eps, bool centred) {
  const int64_t offset = blockIdx.x * width;
  x += offset, delta += offset, sum += offset, normed += offset;
  float total = 0.f;
  for (int64_t j = threadIdx.x; j < width; j += kForwardThreads) {
    const TS s = from_float<TS>(to_float(x[j]) + to_float(delta[j]));
    sum[j] = s;
    total += to_float(s);
  }
  // Each thread rereads only what it wrote: no sync needed between the passes.
  const float mean = centred ? block_reduce(Sum{total}, Add{}).value / static_cast<float>(width) : 0.f;
  float squares = 0.f;
  for (int64_t j = threadIdx.x; j < width; j += kForwardThreads) {
    const float c = to_float(sum[j]) - mean;
    squares += c * c;
  }
  const float rstd = rsqrtf(block_reduce(Sum{squares}, Add{}).value / static_cast<float>(width) + eps);
  for (int64_t j = threadIdx.x; j < width; j += kForwardThreads) {
    const float y = (to_float(sum[j]) - mean) * rstd * weight[j] + (bias ? bias[j] : 0.f);
    normed[j] = from_float<TN>(y);
  }
  if (threadIdx.x == 0) {
    mean_out[blockIdx.x] = mean;
    rstd_out[blockIdx.x] = rstd;
  }
}

// Per row, with x̂ the normalised sum and g = grad_normed · weight:
//   d_sum = grad_sum + rstd · (g − mean(g) − x̂ · mean(g · x̂))   (RMSNorm: no mean(g) term)
// Each thread keeps its columns' weight and bias partials in shared memory.
template <typename TS, typename TN>
__global__ void __launch_bounds__(kBackwardThreads)
    add_norm_backward_kernel(const TS* grad_sum, const TN* grad_normed, const TS* sum, const float* weight,
                             const float* mean_in, const float* rstd_in, TS* d_sum, float* partials, int64_t rows,
                             int64_t width, bool centred) {
  extern __shared__ float column_sums[];  // [2, width]: d_weight, then d_bias
  float* d_weight = column_sums;
  float* d_bias = column_sums + width;
  for (int64_t j = threadIdx.x; j < width; j += kBackwardThreads) d_weight[j] = d_bias[j] = 0.f;
  const float inv_width = 1.f / static_cast<float>(width);
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const int64_t offset = row * width;
    const float mean = mean_in[row], rstd = rstd_in[row];
    Sum2 local = Sum2::identity();
    for (int64_t j = threadIdx.x; j < width; j += kBackwardThreads) {
      const float gn = to_float(grad_normed[offset + j]), xhat = (to_float(sum[offset + j]) - mean) * rstd;
      const float g = gn * weight[j];
      local = {local.a + g, local.b + g * xhat};
      d_weight[j] += gn * xhat;
      d_bias[j] += gn;
    }
    const Sum2 totals = block_reduce(local, Add2{});
    const float mean_g = centred ? totals.a * inv_width : 0.f, mean_gx = totals.b * inv_width;
    for (int64_t j = threadIdx.x; j < width; j += kBackwardThreads) {
      const float xhat = (to_float(sum[offset + j]) - mean) * rstd;
      const float g = to_float(grad_normed[offset + j]) * weight[j];
      const float residual = grad_sum ? to_float(grad_sum[offset + j]) : 0.f;
      d_sum[offset + j] = from_float<TS>(residual + rstd * (g - mean_g - xhat * mean_gx));
    }
  }
  float* out = partials + blockIdx.x * 2 * width;
  for (int64_t j = threadIdx.x; j < width; j += kBackwardThreads) {
    out[j] = d_weight[j];
    out[width + j] = d_bias[j];
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
          add_norm_forward_kernel<TX, TD, TS, TN><<<rows, kForwardThreads, 0, stream>>>(
              static_cast<const TX*>(x), static_cast<const TD*>(delta), weight, bias, static_cast<TS*>(sum),
              static_cast<TN*>(normed), mean, rstd, width, eps, centred);
        });
      });
    });
  });
  return cudaGetLastError();
}

int add_norm_backward_blocks(int64_t rows) {
  const int64_t resident = static_cast<int64_t>(sm_count()) * (2048 / kBackwardThreads);
  return static_cast<int>(rows < resident ? (rows > 0 ? rows : 1) : resident);
}

cudaError_t add_norm_backward(const void* grad_sum, const void* grad_normed, const void* sum, const float* weight,
                              const float* mean, const float* rstd, void* d_sum, float* partials, AddNormTypes types,
                              int64_t rows, int64_t width, bool centred, cudaStream_t stream) {
  const int blocks = add_norm_backward_blocks(rows);
  const size_t shared = 2 * static_cast<size_t>(width) * sizeof(float);
  cudaError_t status = cudaSuccess;
  with_type(types.sum, [&](auto ts) {
    with_type(types.normed, [&](auto tn) {
      using TS = decltype(ts);
      using TN = decltype(tn);
      const auto kernel = add_norm_backward_kernel<TS, TN>;
      if (shared > 48 * 1024)  // beyond the default, shared memory must be asked for
        status = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
      if (status != cudaSuccess) return;
      kernel<<<blocks, kBackwardThreads, shared, stream>>>(
          static_cast<const TS*>(grad_sum), static_cast<const TN*>(grad_normed), static_cast<const TS*>(sum), weight,
          mean, rstd, static_cast<TS*>(d_sum), partials, rows, width, centred);
      status = cudaGetLastError();
    });
  });
  return status;
}

}  // namespace anvil::kernels::cuda
