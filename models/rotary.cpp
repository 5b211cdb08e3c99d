#include "models/rotary.h"

namespace anvil::models {

RotaryTables rotary_tables(int64_t length, int64_t head_dim, double theta) {
  const auto inv_freq = 1.0 / torch::pow(theta, torch::arange(0, head_dim, 2, torch::kDouble) / head_dim);
  const auto angles = torch::outer(torch::arange(length, torch::kDouble), inv_freq);  // [length, head_dim/2]
  const auto both_halves = torch::cat({angles, angles}, -1);
  return {both_halves.cos().to(torch::kFloat), both_halves.sin().to(torch::kFloat)};
}

namespace {

torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(3) / 2;
  const auto rotated_half = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos.to(x.dtype()) + rotated_half * sin.to(x.dtype());
}

}  // namespace

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables, int64_t offset) {
  const int64_t T = x.size(2);
  return rotate(x, tables.cos.narrow(0, offset, T), tables.sin.narrow(0, offset, T));
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables, const torch::Tensor& positions) {
  const int64_t B = positions.size(0), T = positions.size(1), D = x.size(3);
  const auto flat = positions.reshape({-1});
  // [B, 1, T, D]: one table row per token, shared by the heads.
  return rotate(x, tables.cos.index_select(0, flat).view({B, 1, T, D}), tables.sin.index_select(0, flat).view({B, 1, T, D}));
}

}  // namespace anvil::models
