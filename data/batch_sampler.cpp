#include "data/batch_sampler.h"

#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace anvil::data {

ShuffledBatchSampler::ShuffledBatchSampler(int64_t num_items, int64_t batch_size, uint64_t seed, SamplerCursor cursor)
    : num_items_(num_items), batch_size_(batch_size), seed_(seed), cursor_(cursor) {
  if (batch_size < 1) throw std::invalid_argument("batch size must be positive");
  if (num_items < batch_size)
    throw std::invalid_argument("only " + std::to_string(num_items) + " sequences for a batch of " +
                                std::to_string(batch_size));
  if (cursor.position < 0 || cursor.position > num_items || cursor.epoch < 0)
    throw std::invalid_argument("the saved data position (epoch " + std::to_string(cursor.epoch) + ", item " +
                                std::to_string(cursor.position) + ") lies past this data's " +
                                std::to_string(num_items) + " items: the data changed since it was saved");
  shuffle_for_epoch();
}

void ShuffledBatchSampler::shuffle_for_epoch() {
  order_.resize(static_cast<size_t>(num_items_));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  // Fisher-Yates with mt19937_64, whose output the standard fixes, so the order
  // is the same on every platform (std::shuffle's is not).
  std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(cursor_.epoch));
  for (size_t i = order_.size() - 1; i > 0; --i) std::swap(order_[i], order_[rng() % (i + 1)]);
}

std::vector<int64_t> ShuffledBatchSampler::next() {
  if (cursor_.position + batch_size_ > num_items_) {
    ++cursor_.epoch;
    cursor_.position = 0;
    shuffle_for_epoch();
  }
  const auto first = order_.begin() + cursor_.position;
  cursor_.position += batch_size_;
  return {first, first + batch_size_};
}

}  // namespace anvil::data
