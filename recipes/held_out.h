#pragma once
// The validation set of a fine-tuning run that names no data.val file: a
// seeded draw of data.val_fraction of the training records, the same draw for
// every task, so a record is held out or not by its place and the seed alone.
#include <cstdint>
#include <vector>

#include "data/prepare_shards.h"

namespace anvil::recipes {

// Moves the drawn items out of `train` into the returned list, both in order.
template <typename Item>
std::vector<Item> hold_out(std::vector<Item>& train, int64_t seed, double fraction) {
  std::vector<Item> kept, held;
  for (size_t i = 0; i < train.size(); ++i)
    (data::holdout_draw(static_cast<uint64_t>(seed), 0, i) < fraction ? held : kept).push_back(std::move(train[i]));
  train = std::move(kept);
  return held;
}

}  // namespace anvil::recipes
