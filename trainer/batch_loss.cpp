#include "trainer/batch_loss.h"

#include "trainer/chunked_lm_loss.h"
#include "trainer/loss.h"

namespace anvil::trainer {
namespace {

torch::Tensor segments_on(const data::Batch& batch, c10::Device device) {
  return batch.segments.defined() ? batch.segments.to(device) : torch::Tensor();
}

}  // namespace

torch::Tensor forward_batch(models::GPT& model, const data::Batch& batch, c10::Device device) {
  return model->forward(batch.inputs.to(device), nullptr, segments_on(batch, device));
}

torch::Tensor summed_batch_loss(models::GPT& model, const data::Batch& batch, c10::Device device,
                                const LossOptions& o) {
  const auto targets = batch.targets.to(device);
  if (!o.chunked || o.class_weights.defined() || model->score)
    return summed_token_loss(forward_batch(model, batch, device), targets, o.label_smoothing, o.class_weights);
  const auto hidden = model->forward_hidden(batch.inputs.to(device), nullptr, segments_on(batch, device));
  return chunked_lm_loss(hidden, model->output_embedding(), targets,
                         {o.label_smoothing, /*chunk_tokens=*/0, model->config.fused_ops});
}

}  // namespace anvil::trainer
