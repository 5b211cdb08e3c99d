#pragma once
// Added tokens, found in the text before the rest of the pipeline as HF's
// AddedVocabulary finds them: leftmost-longest, first those matched in the
// raw text (normalized: false), then in each normalized piece, with the
// single_word, lstrip and rstrip flags.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizers/piece.h"

namespace anvil::tokenizers {

class Normalizer;

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
};

// Part of a text: an added token (id >= 0, beginning at `piece.origin_of(0)`)
// or text for the rest of the pipeline.
struct Segment {
  Piece piece;
  int32_t id = -1;
};

class AddedVocabulary {
 public:
  // A token with the id or the content of an earlier one replaces it.
  void add(AddedToken token);
  // Builds the matchers; normalized tokens are matched in their normalized form.
  // SPLIT_SPECIAL (tokenizer_config.json's split_special_tokens): special
  // tokens are not matched, so their text is encoded as any other text.
  void prepare(const Normalizer* normalizer, bool split_special = false);

  // Appends `text` cut at the tokens matched in it (the raw or the normalized stage).
  void split(const Piece& text, bool normalized_stage, std::vector<Segment>& out) const;

  const AddedToken* find(const std::string& content) const;
  const AddedToken* find(int32_t id) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // A byte trie of token contents.
  struct Trie {
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> children;  // sorted by byte
      int32_t token = -1;                                        // index into tokens_
    };
    std::vector<Node> nodes{Node{}};
    bool first_bytes[256] = {};
    void insert(const std::string& text, int32_t token);
    // The longest token that `text` has at `at`, and its length.
    int32_t longest_at(const std::string& text, size_t at, size_t* length) const;
  };
  void find_matches(const Trie& trie, const Piece& text, std::vector<Segment>& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<std::string, size_t> by_content_;
  std::unordered_map<int32_t, size_t> by_id_;
  Trie raw_, normalized_;
};

}  // namespace anvil::tokenizers
