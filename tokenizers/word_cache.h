#pragma once
// The tokens of words already seen, shared by the threads that encode: the
// table is cut into shards with a mutex each, so threads seldom wait.
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace anvil::tokenizers {

struct WordToken {
  int32_t id;
  uint32_t start;  // byte offset in the word
};

class WordCache {
 public:
  // Appends the cached tokens of `word` to `out`; false when it is not cached.
  bool find(const std::string& word, std::vector<WordToken>& out) const {
    Shard& shard = shard_of(word);
    std::lock_guard<std::mutex> lock(shard.mutex);
    const auto it = shard.words.find(word);
    if (it == shard.words.end()) return false;
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }
  void insert(const std::string& word, std::vector<WordToken> tokens) const {
    if (word.size() > kMaxWordBytes) return;
    Shard& shard = shard_of(word);
    std::lock_guard<std::mutex> lock(shard.mutex);
    // A full cache keeps what it has: later words are merged each time.
    if (shard.words.size() < kMaxWordsPerShard) shard.words.emplace(word, std::move(tokens));
  }

 private:
  static constexpr size_t kShards = 64;
  static constexpr size_t kMaxWordsPerShard = 1 << 15;
  static constexpr size_t kMaxWordBytes = 256;
  // A cache line each, so threads locking neighbouring shards do not share one.
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<WordToken>> words;
  };
  Shard& shard_of(const std::string& word) const {
    // The map hashes with std::hash too; the high bits pick the shard so the two stay independent.
    return shards_[(std::hash<std::string>{}(word) >> 20) % kShards];
  }
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace anvil::tokenizers
