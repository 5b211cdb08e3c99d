#pragma once
// The NCCL backend of a process group, in a file of its own because only a
// LibTorch built with CUDA, plus nccl.h, can compile it; elsewhere the stub
// in nccl_backend_stub.cpp reports that this build has no NCCL.
#include <chrono>

#include <c10/util/intrusive_ptr.h>

namespace c10d {
class Backend;
class Store;
}  // namespace c10d

namespace anvil::training {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int world_size, std::chrono::milliseconds timeout);

}  // namespace anvil::training
