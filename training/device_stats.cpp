#include "training/device_stats.h"

#include <sys/resource.h>

#include <c10/core/CachingDeviceAllocator.h>

namespace anvil::training {

double peak_memory_bytes(c10::Device device) {
  if (device.is_cuda()) {
    const auto stats = c10::getDeviceAllocator(c10::kCUDA)->getDeviceStats(device.index());
    return static_cast<double>(stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux reports KiB
}

double peak_flops(c10::Device device, double configured_tflops) {
  if (configured_tflops > 0) return configured_tflops * 1e12;
  return device.is_cuda() ? 989e12 : 0.0;
}

}  // namespace anvil::training
