#include "models/positions.h"

#include <cmath>

namespace anvil::models {

torch::Tensor sinusoidal_positions(int64_t length, int64_t dim) {
  const auto position = torch::arange(length, torch::kFloat).unsqueeze(1);
  const auto frequency = torch::exp(torch::arange(0, dim, 2, torch::kFloat) * (-std::log(10000.0) / dim));
  auto table = torch::zeros({length, dim});
  const auto angles = position * frequency;  // [length, ceil(dim/2)]
  table.slice(1, 0, dim, 2).copy_(torch::sin(angles));
  table.slice(1, 1, dim, 2).copy_(torch::cos(angles.slice(1, 0, dim / 2)));
  return table;
}

}  // namespace anvil::models
