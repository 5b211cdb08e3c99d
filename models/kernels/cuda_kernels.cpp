#include "models/kernels/cuda_kernels.h"

namespace anvil::kernels {

bool fused_ops_available(c10::DeviceType device) {
#ifdef ANVIL_CUDA_KERNELS
  if (device == c10::DeviceType::CUDA) return true;
#endif
  return device == c10::DeviceType::CPU;
}

}  // namespace anvil::kernels
