#include "training/gradient_sync.h"

#include <torch/csrc/distributed/c10d/reducer.hpp>

#include "training/communicator.h"

namespace anvil::training {
namespace {

// All-reduces a bucket by sum. The Reducer's default averages over ranks.
class SumCommHook : public c10d::CppCommHookInterface<c10::intrusive_ptr<c10d::ProcessGroup>> {
 public:
  using CppCommHookInterface::CppCommHookInterface;
  c10::intrusive_ptr<c10::ivalue::Future> runHook(c10d::GradBucket& bucket) override {
    std::vector<at::Tensor> tensors{bucket.getBufferRef()};
    return state_->allreduce(tensors)->getFuture();
  }
};

}  // namespace

GradientSync::GradientSync(const std::vector<at::Tensor>& params, Communicator& comm, double bucket_mb) {
  const auto bucket_bytes = static_cast<int64_t>(bucket_mb * 1024 * 1024);
  const std::vector<bool> dense(params.size(), false);
  // Buckets in reverse parameter order: roughly the order backward produces gradients.
  const auto buckets = std::get<0>(c10d::compute_bucket_assignment_by_size(params, {bucket_bytes}, dense));
  bucket_count_ = buckets.size();
  reducer_ = std::make_unique<c10d::Reducer>(params, buckets, comm.group(), dense, bucket_bytes,
                                             /*find_unused_parameters=*/false, /*gradient_as_bucket_view=*/false,
                                             std::unordered_map<size_t, std::string>{}, bucket_bytes,
                                             /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false,
                                             std::vector<int64_t>{});
  reducer_->register_comm_hook(std::make_unique<SumCommHook>(comm.group()));
}

GradientSync::~GradientSync() = default;

void GradientSync::sync_next_backward() { reducer_->prepare_for_backward({}); }

}  // namespace anvil::training
