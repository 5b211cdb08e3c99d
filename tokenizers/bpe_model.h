#pragma once
// HF's BPE model: a word's characters (or, after ByteLevel, its bytes) merged
// pair by pair, the pair of lowest rank first and the leftmost among equals,
// with unk, byte_fallback, fuse_unk, subword affixes and ignore_merges.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizers/piece.h"
#include "tokenizers/word_cache.h"

namespace anvil::tokenizers {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::string continuing_subword_prefix, end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;  // a word that is itself a token is that token
};

class BpeModel {
 public:
  using Vocab = std::unordered_map<std::string, int32_t>;
  // Merges in rank order as pairs of tokens; throws naming `file` when a
  // merge names a token, or makes one, that the vocabulary lacks.
  static BpeModel from_merges(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                              BpeOptions options, const std::string& file);
  // tiktoken's ranks: every pair of tokens whose concatenation is a token
  // merges into it, ranked by that token's rank (its id).
  static BpeModel from_ranks(Vocab vocab, BpeOptions options);

  // Appends the tokens of `word` with their byte offsets in it.
  void tokenize(const Piece& word, std::vector<WordToken>& out) const;

  std::optional<int32_t> token_to_id(const std::string& token) const;
  const std::string* id_to_token(int32_t id) const;
  int32_t max_id() const { return static_cast<int32_t>(id_to_token_.size()) - 1; }

 private:
  struct Merge {
    uint32_t rank;
    int32_t new_id;
  };
  BpeModel(Vocab vocab, BpeOptions options);
  void add_merge(int32_t left, int32_t right, uint32_t rank, int32_t new_id);
  const Merge* find_merge(int32_t left, int32_t right) const;
  void initial_symbols(const Piece& word, std::vector<WordToken>& symbols) const;
  void char_symbols(const std::string& text, std::vector<WordToken>& symbols) const;
  void merge(std::vector<WordToken>& symbols) const;

  Vocab vocab_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<uint64_t, Merge> merges_;
  BpeOptions options_;
  std::optional<int32_t> unk_id_;
  std::vector<int32_t> byte_fallback_ids_;  // <0xXX> tokens, when all 256 exist
  std::vector<int32_t> byte_level_ids_;     // the token of each byte's byte-level character, or -1
  std::unique_ptr<WordCache> cache_ = std::make_unique<WordCache>();
};

}  // namespace anvil::tokenizers
