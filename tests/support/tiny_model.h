#pragma once
// Small GPT shapes for tests that need a real model but not a good one.
#include "models/gpt_config.h"

namespace anvil::test_support {

inline models::GPTConfig tiny_gpt_config(int64_t vocab_size, int64_t block_size, int64_t n_layer, int64_t n_head,
                                         int64_t n_embd) {
  models::GPTConfig c;
  c.vocab_size = vocab_size;
  c.block_size = block_size;
  c.n_layer = n_layer;
  c.n_head = n_head;
  c.n_embd = n_embd;
  return c;
}

}  // namespace anvil::test_support
