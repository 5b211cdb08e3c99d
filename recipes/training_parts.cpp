#include "recipes/training_parts.h"

#include "recipes/model_builder.h"
#include "recipes/resolved_config.h"
#include "recipes/runtime.h"
#include "training/cuda_graph_step.h"

namespace anvil::recipes {
using namespace training;

AdamWOptions adamw_options(const OptimSection& o) {
  AdamWOptions options;
  options.lr = o.lr;
  options.weight_decay = o.weight_decay;
  options.beta1 = o.beta1;
  options.beta2 = o.beta2;
  options.eps = o.eps;
  options.fused = o.fused;
  return options;
}

std::unique_ptr<ShardedAdamW> build_optimizer(const RunConfig& config, models::GPT& model, Communicator& comm) {
  return std::make_unique<ShardedAdamW>(trainable_parameters(model), adamw_options(config.optim), comm,
                                        config.dist.shard_optimizer);
}

StepOptions step_options(const RunConfig& config, c10::Device device, int world_size) {
  StepOptions options;
  options.grad_accum = config.train.grad_accum;
  options.grad_clip = config.optim.grad_clip;
  options.loss.label_smoothing = config.train.label_smoothing;
  options.loss.chunked = config.train.chunked_loss;
  options.precision = resolve_precision(config, device);
  options.cuda_graph = resolve_cuda_graphs(config, device, world_size, cuda_graphs_available());
  options.bucket_mb = config.dist.bucket_mb;
  return options;
}

std::unique_ptr<data::BatchLoader> build_loader(const RunConfig& config, const RunData& data,
                                                const data::MixtureCursor& cursor, data::BatchPart part,
                                                int64_t prefetch) {
  return std::make_unique<data::BatchLoader>(data.train, data.weights, config.train.batch_size,
                                             static_cast<uint64_t>(config.run.seed), cursor, prefetch, part);
}

}  // namespace anvil::recipes
