#pragma once
// Draws training blocks from several sources in proportion to their weights.
// Each source is read in its own shuffled order (a fresh permutation per
// epoch of that source); which source serves draw n depends only on (seed, n).
// So the cursor — draws made plus each source's position — is the sampler's
// whole state, and a sampler rebuilt from it continues exactly.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "data/batch_sampler.h"

namespace anvil::data {

struct MixtureCursor {
  int64_t draws = 0;
  std::vector<SamplerCursor> sources;  // empty: every source at its start
};

class MixtureSampler {
 public:
  // Weights are relative (need not sum to 1) and must be positive.
  MixtureSampler(const std::vector<int64_t>& source_sizes, std::vector<double> weights, uint64_t seed,
                 const MixtureCursor& cursor = {});

  // The next block: {source index, block index within that source}.
  std::pair<size_t, int64_t> next();
  MixtureCursor cursor() const;

 private:
  size_t pick_source() const;

  uint64_t seed_;
  std::vector<double> cumulative_;  // running sums of the normalised weights
  std::vector<ShuffledBatchSampler> orders_;
  int64_t draws_;
};

}  // namespace anvil::data
