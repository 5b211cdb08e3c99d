// Times anvil's training step (forward, loss, backward, clip, AdamW) for the
// model of a config, and prints one JSON line: ms per step, tokens/s, MFU and
// peak memory. The step runs as `anvil train` runs it: run.precision,
// run.tf32, run.fused_kernels, run.cuda_graphs, optim.fused, train.chunked_loss
// and model.activation_checkpointing apply.
//
//   train_step_bench CONFIG [--vocab N] [--steps N] [--warmup N] [key.path=value ...]
//       random tokens, the same batch every step
//   train_step_bench CONFIG --init W.safetensors --batches FILE [--vocab N] [--steps N] ...
//       loss parity with another implementation: start from the weights in W
//       (anvil's names), train on FILE's batches (int32 tokens [steps, batch, block + 1])
//       at the constant rate optim.lr, and print {"step", "loss"} per step first
//   --profile TRACE.json   then 5 more steps under the profiler: a Chrome trace, and
//                          the top kernels (CUDA) or operators (CPU) on stderr
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ops/from_blob.h>
#include <torch/cuda.h>

#include "models/gpt.h"
#include "models/kernels/cuda_kernels.h"
#include "models/safetensors.h"
#include "recipes/config_loader.h"
#include "training/cuda_graph_step.h"
#include "training/device_stats.h"
#include "training/batch_loss.h"
#include "training/optimizer.h"
#include "training/precision.h"
#include "tools/bench/step_profile.h"
#include "recipes/runtime.h"

using namespace anvil;

namespace {

struct Options {
  std::string config;
  int64_t vocab = 65, steps = 50, warmup = 10;
  std::string init, batches, profile;
  std::vector<std::string> overrides;
};

Options parse(int argc, char** argv) {
  Options o;
  o.config = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--vocab" && has_value) o.vocab = std::stoll(argv[++i]);
    else if (a == "--steps" && has_value) o.steps = std::stoll(argv[++i]);
    else if (a == "--warmup" && has_value) o.warmup = std::stoll(argv[++i]);
    else if (a == "--init" && has_value) o.init = argv[++i];
    else if (a == "--batches" && has_value) o.batches = argv[++i];
    else if (a == "--profile" && has_value) o.profile = argv[++i];
    else o.overrides.push_back(a);
  }
  if (o.init.empty() != o.batches.empty()) throw std::runtime_error("--init and --batches go together");
  if (!o.batches.empty()) o.warmup = 0;  // every step is a recorded one
  return o;
}

// The whole batches file as int64 [steps, B, T + 1], checked against the shapes.
torch::Tensor read_batches(const std::string& path, int64_t steps, int64_t B, int64_t T) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open batches file '" + path + "'");
  const auto bytes = static_cast<int64_t>(in.tellg());
  const int64_t want = steps * B * (T + 1) * 4;
  if (bytes < want)
    throw std::runtime_error("batches file '" + path + "' holds " + std::to_string(bytes) + " bytes; " +
                             std::to_string(steps) + " steps of " + std::to_string(B) + "x" + std::to_string(T + 1) +
                             " int32 tokens need " + std::to_string(want));
  std::vector<int32_t> tokens(static_cast<size_t>(want / 4));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(tokens.data()), want);
  return at::from_blob(tokens.data(), {steps, B, T + 1}, torch::kInt).to(torch::kLong);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_step_bench CONFIG [--vocab N] [--steps N] [--warmup N] "
                         "[--init W.safetensors --batches FILE] [key=value ...]\n");
    return 2;
  }
  const Options o = parse(argc, argv);
  const auto config = recipes::load_config(o.config, o.overrides).config;
  recipes::configure_threads(config.run.threads);
  training::allow_tf32(config.run.tf32);
  const auto device = recipes::select_device(recipes::resolve(config).device);
  const auto precision = recipes::resolve_precision(config, device);
  torch::manual_seed(0);
  auto model_config = recipes::gpt_config(config.model, o.vocab);
  model_config.fused_ops =
      recipes::resolve_fused_kernels(config, device, kernels::fused_ops_available(device.type()));
  models::GPT model(model_config);
  if (!o.init.empty()) models::load_module_state(*model, models::load_safetensors(o.init), o.init);
  model->to(device);
  auto optimizer = training::make_adamw(model->parameters(), config.optim);
  const int64_t B = config.train.batch_size, T = config.model.block_size;
  const auto on_device = torch::TensorOptions().dtype(torch::kLong).device(device);
  const auto batches = o.batches.empty() ? torch::randint(o.vocab, {1, B, T + 1}, on_device)
                                         : read_batches(o.batches, o.steps, B, T).to(device);

  torch::Tensor loss;  // with a CUDA graph, the recorded step's, which each replay rewrites
  auto train_on = [&](const torch::Tensor& batch) {
    optimizer->zero_grad();
    {
      training::AutocastScope autocast(device, precision);
      loss = training::summed_batch_loss(model, {batch.narrow(1, 0, T), batch.narrow(1, 1, T)}, device,
                                        {0.0, {}, config.train.chunked_loss}) /
             static_cast<double>(B * T);
    }
    loss.backward();
    const double max_norm = config.optim.grad_clip;
    training::step_dividing_gradients(
        *optimizer, max_norm > 0 ? training::clip_divisor(training::gradient_norm(model->parameters()), max_norm)
                                 : torch::Tensor());
  };
  // run.cuda_graphs: the step reads its batch from one tensor that each step's batch is copied into.
  auto* fused = dynamic_cast<training::FusedAdamW*>(optimizer.get());
  std::unique_ptr<training::CudaGraphStep> graph;
  torch::Tensor graph_batch;
  if (recipes::resolve_cuda_graphs(config, device, 1, training::cuda_graphs_available())) {
    fused->read_learning_rates_from_device();
    graph = std::make_unique<training::CudaGraphStep>();
  }
  auto step = [&](int64_t i) {
    const auto batch = batches[batches.size(0) == 1 ? 0 : i];
    if (!graph) {
      train_on(batch);
    } else {
      if (graph_batch.defined()) graph_batch.copy_(batch);
      else graph_batch = batch.clone();
      if (graph->run([&] { train_on(graph_batch); })) fused->count_replayed_step();
    }
    if (!o.batches.empty()) std::printf("{\"step\": %lld, \"loss\": %.6f}\n", (long long)i, loss.item<double>());
  };
  for (int64_t i = 0; i < o.warmup; ++i) step(i);
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < o.steps; ++i) step(i);
  if (device.is_cuda()) torch::cuda::synchronize();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double tokens_per_sec = static_cast<double>(B * T * o.steps) / seconds;
  const double peak = training::peak_flops(device, config.run.peak_tflops);
  std::printf("{\"ms_per_step\": %.4f, \"tokens_per_sec\": %.1f, \"mfu\": %.4f, \"peak_memory_bytes\": %.0f, "
              "\"threads\": %d, \"parameters\": %lld, \"precision\": \"%s\"}\n",
              1e3 * seconds / static_cast<double>(o.steps), tokens_per_sec,
              peak > 0 ? tokens_per_sec * model->flops_per_token() / peak : 0.0, training::peak_memory_bytes(device),
              at::get_num_threads(), static_cast<long long>(model->num_parameters()),
              precision == training::Precision::kBf16 ? "bf16" : "fp32");
  if (!o.profile.empty()) bench::profile_steps([&] { step(0); }, 5, device.is_cuda(), o.profile);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_step_bench: %s\n", e.what());
  return 1;
}
