#include "benchmarks/python_random.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace anvil::benchmarks {
namespace {

void init_genrand(std::array<uint32_t, 624>& mt, uint32_t s) {
  mt[0] = s;
  for (uint32_t i = 1; i < 624; ++i) mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i;
}

// The reference init_by_array (Matsumoto and Nishimura, 2002).
void init_by_array(std::array<uint32_t, 624>& mt, const std::vector<uint32_t>& key) {
  init_genrand(mt, 19650218u);
  size_t i = 1, j = 0;
  for (size_t k = std::max<size_t>(624, key.size()); k > 0; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<uint32_t>(j);
    if (++i >= 624) {
      mt[0] = mt[623];
      i = 1;
    }
    if (++j >= key.size()) j = 0;
  }
  for (size_t k = 623; k > 0; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
    if (++i >= 624) {
      mt[0] = mt[623];
      i = 1;
    }
  }
  mt[0] = 0x80000000u;
}

int bit_length(uint64_t n) {
  int bits = 0;
  for (; n; n >>= 1) ++bits;
  return bits;
}

}  // namespace

PythonRandom::PythonRandom(uint64_t seed) {
  std::vector<uint32_t> key;
  for (uint64_t n = seed; n; n >>= 32) key.push_back(static_cast<uint32_t>(n));
  if (key.empty()) key.push_back(0);
  init_by_array(state_, key);
}

uint32_t PythonRandom::next_uint32() {
  if (index_ >= 624) {
    for (size_t k = 0; k < 624; ++k) {
      const uint32_t y = (state_[k] & 0x80000000u) | (state_[(k + 1) % 624] & 0x7fffffffu);
      state_[k] = state_[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    index_ = 0;
  }
  uint32_t y = state_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint32_t PythonRandom::getrandbits(int k) { return next_uint32() >> (32 - k); }

uint64_t PythonRandom::randbelow(uint64_t n) {
  if (n == 0) return 0;
  const int k = bit_length(n);
  if (k > 32) throw std::invalid_argument("randbelow: populations past 2^32 are not supported");
  uint64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

std::vector<size_t> PythonRandom::sample(size_t n, size_t k) {
  if (k > n)
    throw std::invalid_argument("cannot sample " + std::to_string(k) + " of " + std::to_string(n) + " items");
  std::vector<size_t> result(k);
  // CPython picks by pool swaps for small populations and by rejection from a
  // set for large ones; the draws differ, so the same rule is kept.
  size_t setsize = 21;
  if (k > 5) setsize += static_cast<size_t>(std::pow(4.0, std::ceil(std::log(k * 3.0) / std::log(4.0))));
  if (n <= setsize) {
    std::vector<size_t> pool(n);
    for (size_t i = 0; i < n; ++i) pool[i] = i;
    for (size_t i = 0; i < k; ++i) {
      const size_t j = randbelow(n - i);
      result[i] = pool[j];
      pool[j] = pool[n - i - 1];
    }
    return result;
  }
  std::unordered_set<size_t> selected;
  for (size_t i = 0; i < k; ++i) {
    size_t j = randbelow(n);
    while (selected.count(j)) j = randbelow(n);
    selected.insert(j);
    result[i] = j;
  }
  return result;
}

}  // namespace anvil::benchmarks
