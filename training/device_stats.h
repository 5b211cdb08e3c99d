#pragma once
// What a run reports about the hardware it uses: peak memory and model FLOPs
// utilisation (MFU, as in nanoGPT and the PaLM paper).
#include <c10/core/Device.h>

namespace anvil::training {

// Most memory this process has held on `device` so far: on CUDA the caching
// allocator's peak of allocated tensor bytes, on the CPU the peak resident set.
double peak_memory_bytes(c10::Device device);

// Peak dense FLOP/s to measure MFU against: `configured_tflops` (run.peak_tflops)
// when > 0, else 989 TFLOP/s on CUDA (an H100's bf16 dense peak), else 0: unknown.
double peak_flops(c10::Device device, double configured_tflops);

}  // namespace anvil::training
