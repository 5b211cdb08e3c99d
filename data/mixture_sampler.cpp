#include "data/mixture_sampler.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace anvil::data {
namespace {

uint64_t splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

MixtureSampler::MixtureSampler(const std::vector<int64_t>& source_sizes, std::vector<double> weights, uint64_t seed,
                               const MixtureCursor& cursor)
    : seed_(seed), draws_(cursor.draws) {
  if (source_sizes.empty() || source_sizes.size() != weights.size())
    throw std::invalid_argument("a mixture needs one weight per source");
  if (!cursor.sources.empty() && cursor.sources.size() != source_sizes.size())
    throw std::invalid_argument("the saved loader cursor has " + std::to_string(cursor.sources.size()) +
                                " sources, the config " + std::to_string(source_sizes.size()));
  double total = 0;
  for (const double w : weights) {
    if (!(w > 0)) throw std::invalid_argument("mixture weights must be positive");
    total += w;
  }
  double running = 0;
  for (size_t s = 0; s < source_sizes.size(); ++s) {
    running += weights[s] / total;
    cumulative_.push_back(running);
    const SamplerCursor start = cursor.sources.empty() ? SamplerCursor{} : cursor.sources[s];
    orders_.emplace_back(source_sizes[s], 1, splitmix64(seed ^ (s + 1)), start);
  }
}

size_t MixtureSampler::pick_source() const {
  if (orders_.size() == 1) return 0;
  const double u = static_cast<double>(splitmix64(seed_ ^ splitmix64(static_cast<uint64_t>(draws_))) >> 11) * 0x1.0p-53;
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return std::min(static_cast<size_t>(it - cumulative_.begin()), orders_.size() - 1);
}

std::pair<size_t, int64_t> MixtureSampler::next() {
  const size_t source = pick_source();
  ++draws_;
  return {source, orders_[source].next().front()};
}

MixtureCursor MixtureSampler::cursor() const {
  MixtureCursor c{draws_, {}};
  for (const auto& order : orders_) c.sources.push_back(order.cursor());
  return c;
}

}  // namespace anvil::data
