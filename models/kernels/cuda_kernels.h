#pragma once
// Whether this build of anvil has the fused ops of models/kernels for a
// device: always on CPU (their reference path), on CUDA when the CUDA
// kernels were compiled in (CMake found nvcc and a CUDA LibTorch).
#include <c10/core/DeviceType.h>

namespace anvil::kernels {

bool fused_ops_available(c10::DeviceType device);

}  // namespace anvil::kernels
