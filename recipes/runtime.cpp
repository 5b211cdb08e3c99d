#include "recipes/runtime.h"

#include <stdexcept>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "models/kernels/cuda_kernels.h"
#include "recipes/config_loader.h"
#include "recipes/tasks/task.h"
#include "training/cuda_graph_step.h"

namespace anvil::recipes {
using namespace training;

c10::Device select_device(const std::string& name, int local_rank) {
  const bool has_cuda = torch::cuda::is_available();
  if (name == "cuda" && !has_cuda) throw std::runtime_error("run.device is cuda but no CUDA device is visible");
  if (name == "cpu" || (name == "auto" && !has_cuda)) return c10::Device(c10::kCPU);
  const auto gpus = static_cast<int>(torch::cuda::device_count());
  if (local_rank >= gpus)
    throw std::runtime_error("LOCAL_RANK " + std::to_string(local_rank) + " but this machine shows " +
                             std::to_string(gpus) + " CUDA devices");
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank));
}

void configure_threads(int64_t threads) {
  const auto n = threads > 0 ? threads : static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(static_cast<int>(n));
}

bool use_fused_kernels(const std::string& setting, c10::Device device) {
  const bool available = kernels::fused_ops_available(device.type());
  if (setting == "on" && !available)
    throw std::runtime_error("run.fused_kernels is on, but this anvil was built without its CUDA kernels (it needs "
                             "a CUDA LibTorch and nvcc): set run.fused_kernels=auto or off");
  return setting == "on" || (setting == "auto" && device.is_cuda() && available);
}

namespace {

// Why the training step cannot be recorded as a CUDA graph, or "".
std::string cuda_graphs_conflict(const RunConfig& config, c10::Device device, int world_size) {
  if (!device.is_cuda()) return "it needs run.device cuda";
  if (!cuda_graphs_available()) return "this anvil was built against a LibTorch without CUDA";
  if (world_size > 1) return "it runs one process only (gradients are summed over ranks on the host's schedule)";
  if (config.model.activation_checkpointing > 0)
    return "model.activation_checkpointing recomputes blocks with the host's random state";
  if (!config.optim.fused) return "it needs optim.fused (that AdamW reads its learning rate from the device)";
  return "";
}

}  // namespace

bool use_cuda_graphs(const RunConfig& config, c10::Device device, int world_size) {
  const auto& setting = config.run.cuda_graphs;
  if (setting == "off") return false;
  const auto conflict = cuda_graphs_conflict(config, device, world_size);
  if (setting == "on" && !conflict.empty()) throw std::runtime_error("run.cuda_graphs is on, but " + conflict);
  return conflict.empty() && (setting == "on" || task_of(config).keeps_batch_shape());
}

void require_even_batch_split(const RunConfig& config, int world_size) {
  if (config.train.batch_size % world_size != 0)
    throw ConfigError("train.batch_size " + std::to_string(config.train.batch_size) +
                      " (sequences per micro-batch over all ranks) does not split evenly over " +
                      std::to_string(world_size) + " ranks");
}

models::GPTConfig gpt_config(const ModelSection& m, int64_t vocab_size) {
  models::GPTConfig c;
  c.vocab_size = vocab_size;
  c.vocab_multiple = m.vocab_multiple;
  c.block_size = m.block_size;
  c.n_layer = m.n_layer;
  c.n_head = m.n_head;
  c.n_kv_head = m.n_kv_head;
  c.n_embd = m.n_embd;
  c.ffn_hidden = m.ffn_hidden;
  c.dropout = m.dropout;
  c.bias = m.bias;
  c.tie_embeddings = m.tie_embeddings;
  c.position = m.position == "sinusoidal" ? models::PositionEncoding::kSinusoidal
               : m.position == "rope"     ? models::PositionEncoding::kRotary
                                          : models::PositionEncoding::kLearned;
  c.rope_theta = m.rope_theta;
  c.norm = m.norm == "rmsnorm" ? models::NormKind::kRMSNorm : models::NormKind::kLayerNorm;
  c.norm_eps = m.norm_eps;
  c.activation_checkpointing = m.activation_checkpointing;
  c.mlp = m.mlp == "swiglu"      ? models::MlpKind::kSwiGLU
          : m.mlp == "gelu_tanh" ? models::MlpKind::kGeluTanh
                                 : models::MlpKind::kGelu;
  return c;
}

}  // namespace anvil::recipes
