#pragma once
#include <torch/types.h>

namespace anvil::models {

// The fixed sine/cosine position table of "Attention Is All You Need":
// row p, column 2i = sin(p / 10000^(2i/d)), column 2i+1 = cos(the same). [length, dim]
torch::Tensor sinusoidal_positions(int64_t length, int64_t dim);

}  // namespace anvil::models
