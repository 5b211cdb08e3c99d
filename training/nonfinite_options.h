#pragma once
// What a run does about a step whose loss or gradient norm is NaN or Inf
// (train.nonfinite, train.nonfinite_limit); training::NonFiniteGuard acts on it.
#include <cstdint>

namespace anvil::training {

enum class NonFiniteAction { kSkip, kStop };

struct NonFiniteOptions {
  NonFiniteAction action = NonFiniteAction::kSkip;
  int64_t limit = 10;  // kSkip: consecutive skipped steps that stop the run
};

}  // namespace anvil::training
