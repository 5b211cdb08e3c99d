#pragma once
#include <cmath>

#include <c10/core/Device.h>

#include "data/token_blocks.h"
#include "models/gpt.h"

namespace anvil::trainer {

struct EvalResult {
  double loss = 0.0;  // mean cross-entropy per token, nats
  double perplexity = 0.0;
  int64_t tokens = 0;
  // Tokenizer-independent: the loss in bits spread over the text's UTF-8 bytes.
  double bits_per_byte(double bytes_per_token) const { return loss / std::log(2.0) / bytes_per_token; }
};

// Mean next-token loss over the first `max_batches` batches of `blocks` in
// order (0: all of them), without dropout or label smoothing.
EvalResult evaluate(models::GPT& model, const data::TokenBlocks& blocks, int64_t batch_size, int64_t max_batches,
                    c10::Device device);

}  // namespace anvil::trainer
