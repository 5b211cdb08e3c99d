#include "recipes/runtime.h"

#include <stdexcept>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "recipes/config_loader.h"

namespace anvil::recipes {

c10::Device select_device(DeviceChoice choice, int local_rank) {
  const bool has_cuda = torch::cuda::is_available();
  if (choice == DeviceChoice::kCuda && !has_cuda)
    throw std::runtime_error("run.device is cuda but no CUDA device is visible");
  if (choice == DeviceChoice::kCpu || (choice == DeviceChoice::kAuto && !has_cuda)) return c10::Device(c10::kCPU);
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

void require_even_batch_split(const RunConfig& config, int world_size) {
  if (config.train.batch_size % world_size != 0)
    throw ConfigError("train.batch_size " + std::to_string(config.train.batch_size) +
                      " (sequences per micro-batch over all ranks) does not split evenly over " +
                      std::to_string(world_size) + " ranks");
}

}  // namespace anvil::recipes
