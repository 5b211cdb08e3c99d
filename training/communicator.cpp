#include "training/communicator.h"

#include <algorithm>
#include <csignal>
#include <memory>
#include <stdexcept>

#include <c10/util/Logging.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "common/periodic_thread.h"
#include "training/nccl_backend.h"

namespace anvil::training {
namespace {

constexpr auto kHeartbeatInterval = std::chrono::milliseconds(500);
// A heartbeat that stays still this long means its rank is gone.
constexpr auto kLostAfter = std::chrono::seconds(3);

std::string heartbeat_key(int rank) { return "anvil/heartbeat/" + std::to_string(rank); }

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

c10::intrusive_ptr<c10d::TCPStore> connect_store(const LaunchEnv& env, bool serve, bool count_as_worker,
                                                 std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(env.master_port);
  options.isServer = serve;
  options.numWorkers = env.world_size;
  options.waitWorkers = count_as_worker;
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
}

// Adds one to this rank's counter in the store every kHeartbeatInterval, on a
// thread of its own with its own store connection, until destroyed.
std::unique_ptr<common::PeriodicThread> start_heartbeat(c10::intrusive_ptr<c10d::TCPStore> store, int rank) {
  return std::make_unique<common::PeriodicThread>(kHeartbeatInterval, [store, key = heartbeat_key(rank)] {
    try {
      store->add(key, 1);
      return true;
    } catch (...) {
      return false;  // the store is gone; whoever needs it will report that
    }
  });
}

c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store, const LaunchEnv& env,
                                                    std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // As torch.distributed does: GLOO_SOCKET_IFNAME picks the interface, else the hostname's address.
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  options->devices.push_back(interface ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                       : c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
}

}  // namespace

struct Communicator::Group {
  LaunchEnv env;
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::unique_ptr<common::PeriodicThread> heartbeat;

  // Ranks other than `self` whose heartbeat stood still for kLostAfter.
  std::vector<int> lost_ranks(int self) {
    auto read = [&] {
      std::vector<int64_t> beats;
      for (int r = 0; r < env.world_size; ++r) beats.push_back(store->add(heartbeat_key(r), 0));
      return beats;
    };
    const auto before = read();
    std::this_thread::sleep_for(kLostAfter);
    const auto after = read();
    std::vector<int> lost;
    for (int r = 0; r < env.world_size; ++r)
      if (r != self && after[r] == before[r]) lost.push_back(r);
    return lost;
  }
};

Communicator::Communicator() = default;
Communicator::~Communicator() = default;

Communicator::Communicator(const LaunchEnv& env, const std::string& backend, c10::Device device,
                           std::chrono::seconds timeout)
    : rank_(env.rank), world_size_(env.world_size), group_(std::make_unique<Group>()) {
  group_->env = env;
  // A write to a dead rank's socket must fail as EPIPE, which the heartbeat
  // then names, not kill this rank with SIGPIPE (Python ignores it for torchrun).
  std::signal(SIGPIPE, SIG_IGN);
  const bool serve = env.rank == 0 && !env.agent_store;
  group_->store = connect_store(env, serve, /*count_as_worker=*/true, timeout);
  group_->heartbeat = start_heartbeat(connect_store(env, false, false, timeout), env.rank);
  auto group = c10::make_intrusive<c10d::ProcessGroup>(group_->store, env.rank, env.world_size);
  const bool nccl = backend == "nccl" || (backend == "auto" && device.is_cuda());
  if (nccl && !device.is_cuda()) throw std::runtime_error("dist.backend is nccl but the run is on the cpu: use gloo");
  if (nccl) {
    group->setBackend(c10::kCUDA, c10d::ProcessGroup::BackendType::NCCL,
                      make_nccl_backend(group_->store, env.rank, env.world_size, timeout));
    // The trainer's own values (token counts, losses, flags) stay on the host,
    // over Gloo: through NCCL each would wait for the GPU's queued work.
    const auto host_store = c10::make_intrusive<c10d::PrefixStore>("host/", group_->store);
    group->setBackend(c10::kCPU, c10d::ProcessGroup::BackendType::GLOO, make_gloo_backend(host_store, env, timeout));
    group->setDefaultBackend(c10d::ProcessGroup::BackendType::NCCL);
  } else {
    const auto gloo = make_gloo_backend(group_->store, env, timeout);
    group->setBackend(c10::kCPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
    group->setBackend(c10::kCUDA, c10d::ProcessGroup::BackendType::GLOO, gloo);
    group->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
  }
  group_->group = std::move(group);
}

const c10::intrusive_ptr<c10d::ProcessGroup>& Communicator::group() const {
  static const c10::intrusive_ptr<c10d::ProcessGroup> none;
  return group_ ? group_->group : none;
}

std::vector<double> Communicator::reduce(std::vector<double> values, bool max) {
  if (!group_ || values.empty()) return values;
  std::vector<at::Tensor> tensors{at::tensor(values, at::kDouble)};  // host: the GPU's queue never waits
  c10d::AllreduceOptions options;
  options.reduceOp = max ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
  group_->group->allreduce(tensors, options)->wait();
  const auto reduced = tensors[0].cpu();
  for (size_t i = 0; i < values.size(); ++i) values[i] = reduced[static_cast<int64_t>(i)].item<double>();
  return values;
}

std::vector<double> Communicator::sum(std::vector<double> values) { return reduce(std::move(values), false); }
std::vector<double> Communicator::max(std::vector<double> values) { return reduce(std::move(values), true); }
bool Communicator::any(bool flag) { return max({flag ? 1.0 : 0.0})[0] > 0; }
void Communicator::barrier() { sum({0.0}); }

void Communicator::broadcast(const std::vector<at::Tensor>& tensors, int root) {
  if (!group_ || tensors.empty()) return;
  std::vector<at::Tensor> parts;
  for (const auto& t : tensors) {
    if (t.scalar_type() != tensors.front().scalar_type())
      throw std::logic_error("Communicator::broadcast: tensors of one call must share a dtype");
    parts.push_back(t.detach().reshape({-1}));
  }
  std::vector<at::Tensor> flat{at::cat(parts)};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  group_->group->broadcast(flat, options)->wait();
  if (rank_ == root) return;
  int64_t offset = 0;
  for (const auto& t : tensors) {
    t.detach().copy_(flat[0].slice(0, offset, offset + t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

void Communicator::rethrow_naming_lost_ranks(std::exception_ptr error) {
  if (!group_) std::rethrow_exception(error);
  std::string lost;
  // A store that is gone would log a warning with a backtrace; the error below says it better.
  FLAGS_caffe2_log_level = std::max(FLAGS_caffe2_log_level, 2);
  try {
    for (const int r : group_->lost_ranks(rank_)) lost += (lost.empty() ? "" : ", ") + std::to_string(r);
    if (!lost.empty()) lost = "lost rank " + lost + " (no heartbeat for " + std::to_string(kLostAfter.count()) + " s)";
  } catch (const std::exception&) {
    const auto& env = group_->env;
    lost = "lost the rendezvous store at " + env.master_addr + ":" + std::to_string(env.master_port) +
           (env.agent_store ? ", which the launcher hosts" : ", which rank 0 hosts: rank 0 is lost");
  }
  if (lost.empty()) std::rethrow_exception(error);  // every peer is alive: the error is this rank's own
  throw std::runtime_error("rank " + std::to_string(rank_) + ": " + lost + ": " + message_of(error));
}

}  // namespace anvil::training
