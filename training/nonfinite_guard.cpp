#include "training/nonfinite_guard.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/full.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros_like.h>

namespace anvil::training {

void NonFiniteGuard::record(const at::Tensor& skipped, int64_t step) {
  if (!skipped_.defined()) {
    skipped_ = at::zeros_like(skipped);
    consecutive_ = at::zeros_like(skipped);
    stop_step_ = at::full({}, -1.0, skipped.options().dtype(at::kDouble));
  }
  skipped_ += skipped;
  consecutive_ = (consecutive_ + skipped) * skipped;  // back to 0 at a good step
  const double limit = options_.action == NonFiniteAction::kStop ? 1.0 : static_cast<double>(options_.limit);
  stop_step_ = at::where((stop_step_ < 0).logical_and(consecutive_ >= limit), static_cast<double>(step), stop_step_);
}

std::optional<std::string> NonFiniteGuard::check() {
  if (skipped_.defined()) {
    read_total_ = static_cast<int64_t>(skipped_.item<float>());
    read_stop_step_ = static_cast<int64_t>(stop_step_.item<double>());
  }
  if (read_stop_step_ < 0) return std::nullopt;
  const std::string step = std::to_string(read_stop_step_);
  if (options_.action == NonFiniteAction::kStop)
    return "step " + step + " had a NaN or Inf loss or gradient norm (train.nonfinite=stop); its update was not "
           "applied and the last checkpoint holds the state before it";
  return "step " + step + " ended " + std::to_string(options_.limit) +
         " consecutive steps with a NaN or Inf loss or gradient norm (train.nonfinite_limit=" +
         std::to_string(options_.limit) + "); none of them was applied and the last checkpoint holds the state "
         "before them";
}

int64_t NonFiniteGuard::take_new_skips() {
  const int64_t n = read_total_ - taken_total_;
  taken_total_ = read_total_;
  return n;
}

}  // namespace anvil::training
