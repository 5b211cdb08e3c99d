#include "models/rotary.h"

namespace anvil::models {

RotaryTables rotary_tables(int64_t length, int64_t head_dim, double theta) {
  const auto inv_freq = 1.0 / torch::pow(theta, torch::arange(0, head_dim, 2, torch::kDouble) / head_dim);
  const auto angles = torch::outer(torch::arange(length, torch::kDouble), inv_freq);  // [length, head_dim/2]
  const auto both_halves = torch::cat({angles, angles}, -1);
  return {both_halves.cos().to(torch::kFloat), both_halves.sin().to(torch::kFloat)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables, int64_t offset) {
  const int64_t T = x.size(2), half = x.size(3) / 2;
  const auto cos = tables.cos.narrow(0, offset, T).to(x.dtype());
  const auto sin = tables.sin.narrow(0, offset, T).to(x.dtype());
  const auto rotated_half = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated_half * sin;
}

}  // namespace anvil::models
