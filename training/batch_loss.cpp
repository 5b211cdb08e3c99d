#include "training/batch_loss.h"

#include "training/chunked_lm_loss.h"
#include "training/loss.h"

namespace anvil::training {
namespace {

// A batch tensor onto the device. To CUDA it goes through pinned memory and
// does not block: a copy from pageable memory first waits for all the work
// queued on the GPU, so the CPU could not queue a step while one still runs.
torch::Tensor upload(const torch::Tensor& t, c10::Device device) {
  if (!device.is_cuda() || !t.is_cpu()) return t.to(device);
  return t.pin_memory().to(device, /*non_blocking=*/true);
}

torch::Tensor segments_on(const data::Batch& batch, c10::Device device) {
  return batch.segments.defined() ? upload(batch.segments, device) : torch::Tensor();
}

}  // namespace

torch::Tensor forward_batch(models::GPT& model, const data::Batch& batch, c10::Device device) {
  return model->forward(upload(batch.inputs, device), nullptr, segments_on(batch, device));
}

torch::Tensor summed_batch_loss(models::GPT& model, const data::Batch& batch, c10::Device device,
                                const LossOptions& o) {
  const auto targets = upload(batch.targets, device);
  if (!o.chunked || o.class_weights.defined() || model->score || model->config.logit_softcap > 0)
    return summed_token_loss(forward_batch(model, batch, device), targets, o.label_smoothing, o.class_weights);
  const auto hidden = model->forward_hidden(upload(batch.inputs, device), nullptr, segments_on(batch, device));
  return chunked_lm_loss(hidden, model->output_embedding(), targets,
                         {o.label_smoothing, /*chunk_tokens=*/0, model->config.fused_ops});
}

}  // namespace anvil::training
