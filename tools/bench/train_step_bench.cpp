// Times the training step of `anvil train` (forward, loss, backward, clip,
// AdamW: training::TrainStep, assembled from the config as the run assembles
// it) for the model of a config, and prints one JSON line: ms per step,
// tokens/s, MFU and peak memory. run.precision, run.tf32, run.fused_kernels,
// run.cuda_graphs, optim.*, train.grad_accum, train.chunked_loss and
// model.activation_checkpointing apply.
//
//   train_step_bench CONFIG [--vocab N] [--steps N] [--warmup N] [key.path=value ...]
//       random tokens, the same batch every micro-batch
//   train_step_bench CONFIG --init W.safetensors --batches FILE [--vocab N] [--steps N] ...
//       loss parity with another implementation: start from the weights in W
//       (anvil's names), train on FILE's batches (int32 tokens [steps x grad_accum, batch,
//       block + 1]) at the constant rate optim.lr, and print {"step", "loss"} per step first
//   --profile TRACE.json   then 5 more steps under the profiler: a Chrome trace, and
//                          the top kernels (CUDA) or operators (CPU) on stderr
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ops/from_blob.h>
#include <torch/cuda.h>

#include "data/batch.h"
#include "models/gpt.h"
#include "models/safetensors.h"
#include "recipes/config_loader.h"
#include "recipes/model_builder.h"
#include "recipes/runtime.h"
#include "recipes/training_parts.h"
#include "tools/bench/step_profile.h"
#include "training/communicator.h"
#include "training/device_stats.h"
#include "training/precision.h"
#include "training/train_step.h"

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

// The whole batches file as int64 [micro-batches, B, T + 1], checked against the shapes.
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
  torch::manual_seed(static_cast<uint64_t>(config.run.seed));
  auto model = recipes::build_model(config, o.vocab, /*num_classes=*/0, device);
  if (!o.init.empty()) models::load_module_state(*model, models::load_safetensors(o.init), o.init);
  training::Communicator single;
  const auto options = recipes::step_options(config, device, single.world_size());
  training::TrainStep train_step(model, recipes::build_optimizer(config, model, single), single, device, options);

  const int64_t B = config.train.batch_size, T = config.model.block_size, micro_steps = o.steps * options.grad_accum;
  const auto on_device = torch::TensorOptions().dtype(torch::kLong).device(device);
  const auto batches = o.batches.empty() ? torch::randint(o.vocab, {1, B, T + 1}, on_device)
                                         : read_batches(o.batches, micro_steps, B, T).to(device);
  int64_t drawn = 0;  // micro-batches so far; the profile's steps after them start over
  auto next_micro_batch = [&] {
    const auto tokens = batches[drawn++ % batches.size(0)];
    return data::Batch{tokens.narrow(1, 0, T), tokens.narrow(1, 1, T)};
  };
  auto step = [&](int64_t i) {
    const auto result = train_step.run(next_micro_batch);
    if (o.batches.empty()) return;
    const double loss = result.loss_sum.item<double>() / result.step_tokens;
    std::printf("{\"step\": %lld, \"loss\": %.6f}\n", (long long)i, loss);
  };
  for (int64_t i = 0; i < o.warmup; ++i) step(i);
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < o.steps; ++i) step(i);
  if (device.is_cuda()) torch::cuda::synchronize();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double tokens_per_sec = static_cast<double>(B * T * micro_steps) / seconds;
  const double peak = training::peak_flops(device, config.run.peak_tflops);
  std::printf("{\"ms_per_step\": %.4f, \"tokens_per_sec\": %.1f, \"mfu\": %.4f, \"peak_memory_bytes\": %.0f, "
              "\"threads\": %d, \"parameters\": %lld, \"precision\": \"%s\"}\n",
              1e3 * seconds / static_cast<double>(o.steps), tokens_per_sec,
              peak > 0 ? tokens_per_sec * model->flops_per_token() / peak : 0.0, training::peak_memory_bytes(device),
              at::get_num_threads(), static_cast<long long>(model->num_parameters()),
              options.precision == training::Precision::kBf16 ? "bf16" : "fp32");
  if (!o.profile.empty()) bench::profile_steps([&] { step(0); }, 5, device.is_cuda(), o.profile);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_step_bench: %s\n", e.what());
  return 1;
}
