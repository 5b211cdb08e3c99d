#pragma once
// How far apart two models of one shape are: the largest absolute difference
// between corresponding parameters.
#include <algorithm>

#include "models/gpt.h"

namespace anvil::test_support {

inline double max_difference(models::GPT& x, models::GPT& y) {
  double worst = 0;
  auto px = x->parameters(), py = y->parameters();
  for (size_t i = 0; i < px.size(); ++i) worst = std::max(worst, (px[i] - py[i]).abs().max().item<double>());
  return worst;
}

}  // namespace anvil::test_support
