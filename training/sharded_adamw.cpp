#include "training/sharded_adamw.h"

#include <algorithm>
#include <numeric>

#include "training/communicator.h"

namespace anvil::training {
namespace {

// Largest parameters first, each to the rank with the fewest elements so far.
std::vector<int> deal_out(const std::vector<torch::Tensor>& params, int ranks) {
  std::vector<size_t> order(params.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return params[a].numel() > params[b].numel(); });
  std::vector<int64_t> load(static_cast<size_t>(ranks), 0);
  std::vector<int> owner(params.size());
  for (const size_t i : order) {
    const auto lightest = std::min_element(load.begin(), load.end()) - load.begin();
    owner[i] = static_cast<int>(lightest);
    load[static_cast<size_t>(lightest)] += params[i].numel();
  }
  return owner;
}

torch::optim::AdamWParamState* adam_state(torch::optim::Optimizer& optimizer, const torch::Tensor& param) {
  const auto it = optimizer.state().find(param.unsafeGetTensorImpl());
  return it == optimizer.state().end() ? nullptr : static_cast<torch::optim::AdamWParamState*>(it->second.get());
}

}  // namespace

ShardedAdamW::ShardedAdamW(std::vector<torch::Tensor> params, const AdamWOptions& options, Communicator& comm,
                           bool shard)
    : params_(std::move(params)), options_(options), comm_(comm), shard_(shard && comm.world_size() > 1),
      owner_(shard_ ? deal_out(params_, comm.world_size()) : std::vector<int>(params_.size(), comm.rank())) {
  std::vector<torch::Tensor> mine;
  for (size_t i = 0; i < params_.size(); ++i)
    if (owns(i)) mine.push_back(params_[i]);
  local_ = std::make_unique<AdamW>(mine, options_);
}

bool ShardedAdamW::owns(size_t param) const { return owner_[param] == comm_.rank(); }

void ShardedAdamW::set_learning_rate(double lr) { local_->set_learning_rate(lr); }

void ShardedAdamW::read_learning_rates_from_device() {
  TORCH_CHECK(!shard_, "a sharded AdamW steps on the host's schedule: no CUDA graph");
  local_->read_learning_rates_from_device();
}

void ShardedAdamW::count_replayed_step() { local_->count_replayed_step(); }

void ShardedAdamW::zero_grad() {
  for (auto& p : params_) p.mutable_grad().reset();
}

void ShardedAdamW::uncount_steps(int64_t n) { local_->uncount_steps(n); }

void ShardedAdamW::step(const torch::Tensor& grad_divisor, const torch::Tensor& skip) {
  full_.reset();
  local_->step_dividing_gradients(grad_divisor, skip);
  if (!shard_) return;
  for (int r = 0; r < comm_.world_size(); ++r) {
    std::vector<torch::Tensor> owned;
    for (size_t i = 0; i < params_.size(); ++i)
      if (owner_[i] == r) owned.push_back(params_[i]);
    comm_.broadcast(owned, r);
  }
}

int64_t ShardedAdamW::state_bytes() const {
  int64_t bytes = 0;
  for (const auto& p : params_)
    if (const auto* s = adam_state(*local_, p)) bytes += s->exp_avg().nbytes() + s->exp_avg_sq().nbytes();
  return bytes;
}

torch::optim::Optimizer& ShardedAdamW::gather_full_state() {
  if (!shard_) return *local_;
  full_ = std::make_unique<AdamW>(params_, options_);
  // Each owner contributes its parameters' step counts; the sum gives every rank all of them.
  std::vector<double> steps(params_.size(), 0.0);
  for (size_t i = 0; i < params_.size(); ++i)
    if (const auto* s = owns(i) ? adam_state(*local_, params_[i]) : nullptr) steps[i] = static_cast<double>(s->step());
  steps = comm_.sum(steps);
  for (int r = 0; r < comm_.world_size(); ++r) {
    std::vector<size_t> sent;
    std::vector<torch::Tensor> moments;
    for (size_t i = 0; i < params_.size(); ++i) {
      if (owner_[i] != r || steps[i] == 0) continue;
      sent.push_back(i);
      if (const auto* s = owns(i) ? adam_state(*local_, params_[i]) : nullptr) {
        moments.push_back(s->exp_avg());
        moments.push_back(s->exp_avg_sq());
      } else {
        moments.push_back(torch::empty_like(params_[i]));
        moments.push_back(torch::empty_like(params_[i]));
      }
    }
    comm_.broadcast(moments, r);
    if (!comm_.is_main()) continue;
    for (size_t k = 0; k < sent.size(); ++k) {
      auto state = std::make_unique<torch::optim::AdamWParamState>();
      state->step(static_cast<int64_t>(steps[sent[k]]));
      state->exp_avg(moments[2 * k]);
      state->exp_avg_sq(moments[2 * k + 1]);
      full_->state()[params_[sent[k]].unsafeGetTensorImpl()] = std::move(state);
    }
  }
  return *full_;
}

void ShardedAdamW::load_full_state(const std::function<void(torch::optim::Optimizer&)>& load) {
  if (!shard_) return load(*local_);
  auto full = std::make_unique<AdamW>(params_, options_);
  load(*full);
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto it = full->state().find(params_[i].unsafeGetTensorImpl());
    if (owns(i) && it != full->state().end()) local_->state()[it->first] = std::move(it->second);
  }
}

}  // namespace anvil::training
