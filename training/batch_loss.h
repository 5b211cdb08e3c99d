#pragma once
// A batch through the model: logits for evaluation, the summed loss for training.
#include <c10/core/Device.h>

#include "data/batch.h"
#include "models/gpt.h"

namespace anvil::training {

// The model's logits for a batch, moved to `device` (segments included; to
// CUDA through pinned memory, without waiting for queued work).
torch::Tensor forward_batch(models::GPT& model, const data::Batch& batch, c10::Device device);

struct LossOptions {
  double label_smoothing = 0.0;
  torch::Tensor class_weights;  // classification only; undefined: none
  bool chunked = true;          // train.chunked_loss: the LM head and its loss as chunked_lm_loss
};

// Summed training loss of a batch's target tokens. A language model (no class
// weights) with `chunked` never holds the [tokens, vocab] logits.
torch::Tensor summed_batch_loss(models::GPT& model, const data::Batch& batch, c10::Device device,
                                const LossOptions& options);

}  // namespace anvil::training
