#pragma once
// Keys and values of the tokens a model has already seen, so that generating
// one more token costs one position of attention instead of the whole prefix.
#include <vector>

#include <torch/types.h>

namespace anvil::models {

struct KVCache {
  // Per layer, [B, kv_heads, capacity, head_dim]; allocated on first use and
  // grown as positions are added (GPTImpl::forward).
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;
  int64_t length = 0;  // positions filled, the same in every layer
};

}  // namespace anvil::models
