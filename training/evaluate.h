#pragma once
#include <cmath>

#include <c10/core/Device.h>

#include "data/block_dataset.h"
#include "models/gpt.h"

namespace anvil::training {

struct EvalResult {
  double loss = 0.0;  // mean cross-entropy per token, nats
  double perplexity = 0.0;
  int64_t tokens = 0;
  // Tokenizer-independent: the loss in bits spread over the text's UTF-8 bytes.
  double bits_per_byte(double bytes_per_token) const { return loss / std::log(2.0) / bytes_per_token; }
};

// Mean next-token loss over the first `max_batches` batches of `blocks` in
// order (0: all of them), without dropout or label smoothing.
EvalResult evaluate(models::GPT& model, const data::BlockDataset& blocks, int64_t batch_size, int64_t max_batches,
                    c10::Device device);

// Perplexity of a whole stream with a sliding window, as in the Hugging Face
// perplexity recipe: windows of max_length tokens start every `stride`
// tokens, and each window scores only the tokens no earlier window scored, so
// every token is predicted once, with up to max_length - 1 tokens of context.
EvalResult evaluate_sliding(models::GPT& model, const torch::Tensor& tokens, int64_t max_length, int64_t stride,
                            c10::Device device);

}  // namespace anvil::training
