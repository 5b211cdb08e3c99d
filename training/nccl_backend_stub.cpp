#include <stdexcept>

#include <torch/csrc/distributed/c10d/Backend.hpp>

#include "training/nccl_backend.h"

namespace anvil::training {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>&, int, int,
                                                    std::chrono::milliseconds) {
  throw std::runtime_error(
      "this anvil was built without NCCL (its LibTorch has no CUDA, or nccl.h was not found): set dist.backend=gloo");
}

}  // namespace anvil::training
