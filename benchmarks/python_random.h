#pragma once
// Python's random.Random(seed).sample, to the draw: the harness picks few-shot
// examples with it, so the same seed must pick the same examples here.
// MT19937 seeded by init_by_array with the seed's 32-bit words, as CPython's
// random_seed does for an int.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace anvil::benchmarks {

class PythonRandom {
 public:
  explicit PythonRandom(uint64_t seed);
  uint32_t next_uint32();
  // getrandbits(k) for 0 < k <= 32.
  uint32_t getrandbits(int k);
  // random._randbelow(n): uniform in [0, n) by rejection on bit_length(n) bits.
  uint64_t randbelow(uint64_t n);
  // Indices of random.sample(range(population), k), in Python's draw order.
  std::vector<size_t> sample(size_t population, size_t k);

 private:
  std::array<uint32_t, 624> state_{};
  size_t index_ = 624;
};

}  // namespace anvil::benchmarks
