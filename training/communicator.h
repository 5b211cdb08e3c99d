#pragma once
// The ranks of a data-parallel run and the few collectives the trainer needs,
// over a c10d process group: Gloo on CPU, NCCL on CUDA (with Gloo beside it
// for the host-side values of sum, max and any). A single-process run
// has no group, and every collective is then the identity.
//
// Each rank also ticks a heartbeat counter in the rendezvous store, so when a
// collective fails, the survivors can say which rank was lost instead of
// only "connection closed".
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/util/intrusive_ptr.h>

#include "training/launch_env.h"

namespace c10d {
class ProcessGroup;
}

namespace anvil::training {

class Communicator {
 public:
  Communicator();  // a single process
  // Joins the rendezvous at env.master_addr:port and builds the process group.
  // `backend`: gloo, nccl, or auto (nccl on cuda, gloo on cpu).
  Communicator(const LaunchEnv& env, const std::string& backend, c10::Device device, std::chrono::seconds timeout);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_main() const { return rank_ == 0; }
  // Null for a single process.
  const c10::intrusive_ptr<c10d::ProcessGroup>& group() const;

  // Element-wise sums over the ranks, computed in float64.
  std::vector<double> sum(std::vector<double> values);
  std::vector<double> max(std::vector<double> values);
  // True on every rank when `flag` is true on any.
  bool any(bool flag);
  void barrier();
  // Every rank's `tensors` get root's values; one flat transfer for all of them.
  void broadcast(const std::vector<at::Tensor>& tensors, int root);

  // Rethrows `error` (caught while this rank was in a collective or waiting on
  // one), naming the ranks that have stopped responding when there are any.
  [[noreturn]] void rethrow_naming_lost_ranks(std::exception_ptr error);

 private:
  struct Group;
  std::vector<double> reduce(std::vector<double> values, bool max);

  int rank_ = 0;
  int world_size_ = 1;
  std::unique_ptr<Group> group_;
};

}  // namespace anvil::training
