#pragma once
// Early stopping's patience, over state the checkpoint carries so a resumed
// run stops where an uninterrupted one would.
#include <cmath>
#include <cstdint>
#include <optional>

namespace anvil::training {

// Records a validation score (higher is better) against the best so far and
// counts the validations since it improved. A NaN or infinite score never
// counts as an improvement, and a non-finite best (a diverged run's, saved by
// an older anvil) is replaced by the first finite score. True when `patience`
// (0: never) validations in a row brought no improvement.
inline bool patience_ran_out(std::optional<double>& best, int64_t& validations_since_best, double score,
                             int64_t patience) {
  if (std::isfinite(score) && (!best || !std::isfinite(*best) || score > *best)) {
    best = score;
    validations_since_best = 0;
  } else {
    ++validations_since_best;
  }
  return patience > 0 && validations_since_best >= patience;
}

}  // namespace anvil::training
