#pragma once
// The LM head and its cross-entropy as one operation that never holds the
// [tokens, vocab] logits: tokens go through in chunks, and each chunk's
// logits become its loss and, in the same pass, its gradient (softmax minus
// the smoothed one-hot, formed in place) and from that the gradients of the
// hidden states and the head. Backward only scales those. With GPT-2's
// 50k-token vocabulary the logits, their fp32 copy and their gradient are the
// largest tensors of a training step; here they cost one chunk, and the
// matmuls are the three an unfused head runs.
#include <ATen/core/Tensor.h>

namespace anvil::training {

struct LmLossOptions {
  double label_smoothing = 0.0;  // as torch's cross_entropy
  int64_t chunk_tokens = 0;      // 0: as many tokens as fit 256 MiB of logits
  // Each chunk's softmax, loss and gradient by kernels::cross_entropy_with_grad_:
  // one kernel on the logits in their own dtype instead of about ten passes
  // over an fp32 copy. Where that op is unavailable, the LibTorch ops run.
  bool fused_kernel = false;
};

// Summed cross-entropy of the logits hidden · weightᵀ against targets, as
// summed_token_loss computes it (targets equal to data::kIgnoreIndex count
// for nothing). hidden [..., C], weight [V, C], targets of hidden's leading
// shape. Under autocast the matmuls run in its dtype; the softmax always runs
// in fp32. Gradients flow to hidden and weight.
at::Tensor chunked_lm_loss(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets,
                           const LmLossOptions& options = {});

}  // namespace anvil::training
