#include "tokenizers/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <queue>
#include <stdexcept>

#include "tokenizers/byte_level.h"
#include "tokenizers/utf8.h"

namespace anvil::tokenizers {
namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// A symbol of a word being merged: a run of bytes and its token, linked to its neighbours.
struct Symbol {
  int32_t id;
  uint32_t start;
  int32_t previous, next;
};

struct Candidate {
  uint32_t rank;
  uint32_t position;
  int32_t new_id;
  bool operator>(const Candidate& other) const {
    return rank != other.rank ? rank > other.rank : position > other.position;
  }
};

}  // namespace

BpeModel::BpeModel(Vocab vocab, BpeOptions options) : vocab_(std::move(vocab)), options_(std::move(options)) {
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab_) max_id = std::max(max_id, id);
  id_to_token_.resize(static_cast<size_t>(max_id + 1));
  for (const auto& [token, id] : vocab_) id_to_token_[static_cast<size_t>(id)] = token;
  if (options_.unk_token) unk_id_ = token_to_id(*options_.unk_token);
  if (options_.byte_fallback) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      const auto id = token_to_id(name);
      byte_fallback_ids_.push_back(id ? *id : -1);
    }
  }
  const auto& chars = byte_level_chars();
  for (int b = 0; b < 256; ++b) {
    const auto id = token_to_id(chars[b]);
    byte_level_ids_.push_back(id ? *id : -1);
  }
}

BpeModel BpeModel::from_merges(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                               BpeOptions options, const std::string& file) {
  BpeModel model(std::move(vocab), std::move(options));
  model.merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const auto left_id = model.token_to_id(left), right_id = model.token_to_id(right);
    const auto new_id = model.token_to_id(left + right);
    if (!left_id || !right_id || !new_id) {
      throw std::runtime_error(file + ": merge " + std::to_string(rank + 1) + " '" + left + " " + right +
                               "' names a token the vocabulary lacks");
    }
    // A pair listed twice keeps its first (lowest) rank, as HF's map does.
    if (!model.find_merge(*left_id, *right_id)) model.add_merge(*left_id, *right_id, static_cast<uint32_t>(rank), *new_id);
  }
  return model;
}

BpeModel BpeModel::from_ranks(Vocab vocab, BpeOptions options) {
  BpeModel model(std::move(vocab), std::move(options));
  for (const auto& [token, id] : model.vocab_) {
    for (size_t cut = 1; cut < token.size(); ++cut) {
      if ((static_cast<unsigned char>(token[cut]) & 0xC0) == 0x80) continue;  // inside a character
      const auto left = model.token_to_id(token.substr(0, cut));
      if (!left) continue;
      const auto right = model.token_to_id(token.substr(cut));
      if (right) model.add_merge(*left, *right, static_cast<uint32_t>(id), id);
    }
  }
  return model;
}

void BpeModel::add_merge(int32_t left, int32_t right, uint32_t rank, int32_t new_id) {
  merges_.emplace(pair_key(left, right), Merge{rank, new_id});
}

const BpeModel::Merge* BpeModel::find_merge(int32_t left, int32_t right) const {
  const auto it = merges_.find(pair_key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

std::optional<int32_t> BpeModel::token_to_id(const std::string& token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return nullptr;
  const std::string& token = id_to_token_[static_cast<size_t>(id)];
  return token.empty() ? nullptr : &token;
}

void BpeModel::tokenize(const Piece& word, std::vector<WordToken>& out) const {
  if (word.text.empty()) return;
  if (cache_->find(word.text, out)) return;
  thread_local std::vector<WordToken> symbols;
  symbols.clear();
  if (options_.ignore_merges) {
    const auto id = token_to_id(word.byte_level ? to_byte_level(word.text) : word.text);
    if (id) symbols.push_back({*id, 0});
  }
  if (symbols.empty()) {
    initial_symbols(word, symbols);
    merge(symbols);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
  cache_->insert(word.text, symbols);
}

void BpeModel::initial_symbols(const Piece& word, std::vector<WordToken>& symbols) const {
  const bool plain_bytes = word.byte_level && options_.continuing_subword_prefix.empty() &&
                           options_.end_of_word_suffix.empty();
  if (!plain_bytes) {
    char_symbols(word.byte_level ? to_byte_level(word.text) : word.text, symbols);
    if (word.byte_level) {
      // Back from byte-level characters (two bytes from U+0080 on) to offsets in the raw word.
      std::vector<uint32_t> raw_start;
      const std::string mapped = to_byte_level(word.text);
      uint32_t raw = 0;
      raw_start.assign(mapped.size() + 1, 0);
      for (size_t i = 0; i < mapped.size(); ++raw) {
        raw_start[i] = raw;
        i += utf8_length_of_lead(static_cast<unsigned char>(mapped[i]));
      }
      for (WordToken& symbol : symbols) symbol.start = raw_start[symbol.start];
    }
    return;
  }
  for (size_t i = 0; i < word.text.size(); ++i) {
    const int32_t id = byte_level_ids_[static_cast<unsigned char>(word.text[i])];
    if (id >= 0) symbols.push_back({id, static_cast<uint32_t>(i)});
    else if (unk_id_) symbols.push_back({*unk_id_, static_cast<uint32_t>(i)});
  }
}

void BpeModel::char_symbols(const std::string& text, std::vector<WordToken>& symbols) const {
  bool previous_unk = false;
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_length_of_lead(static_cast<unsigned char>(text[i]));
    std::string symbol = text.substr(i, n);
    if (i > 0) symbol = options_.continuing_subword_prefix + symbol;
    if (i + n == text.size()) symbol += options_.end_of_word_suffix;
    const auto start = static_cast<uint32_t>(i);
    i += n;
    if (const auto id = token_to_id(symbol)) {
      symbols.push_back({*id, start});
      previous_unk = false;
      continue;
    }
    if (!byte_fallback_ids_.empty()) {
      bool all_bytes = true;
      for (const char c : symbol) all_bytes = all_bytes && byte_fallback_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all_bytes) {
        // One byte each, as HF counts them (clamped to the character when an affix lengthens it).
        for (size_t k = 0; k < symbol.size(); ++k) {
          const auto offset = static_cast<uint32_t>(std::min(k, n - 1));
          symbols.push_back({byte_fallback_ids_[static_cast<unsigned char>(symbol[k])], start + offset});
        }
        previous_unk = false;
        continue;
      }
    }
    if (!unk_id_) continue;  // without an unk token HF drops the character
    if (!(previous_unk && options_.fuse_unk)) symbols.push_back({*unk_id_, start});
    previous_unk = true;
  }
}

void BpeModel::merge(std::vector<WordToken>& tokens) const {
  if (tokens.size() < 2) return;
  thread_local std::vector<Symbol> symbols;
  symbols.clear();
  for (size_t i = 0; i < tokens.size(); ++i) {
    symbols.push_back({tokens[i].id, tokens[i].start, static_cast<int32_t>(i) - 1,
                       i + 1 < tokens.size() ? static_cast<int32_t>(i + 1) : -1});
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto consider = [&](int32_t left) {
    if (left < 0) return;
    const Symbol& l = symbols[static_cast<size_t>(left)];
    if (l.next < 0) return;
    if (const Merge* m = find_merge(l.id, symbols[static_cast<size_t>(l.next)].id))
      queue.push({m->rank, static_cast<uint32_t>(left), m->new_id});
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i) consider(static_cast<int32_t>(i));
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.position];
    if (left.id < 0 || left.next < 0) continue;
    Symbol& right = symbols[static_cast<size_t>(left.next)];
    const Merge* m = find_merge(left.id, right.id);
    if (m == nullptr || m->new_id != top.new_id) continue;  // the pair changed since it was queued
    left.id = top.new_id;
    left.next = right.next;
    right.id = -1;  // merged away
    if (left.next >= 0) symbols[static_cast<size_t>(left.next)].previous = static_cast<int32_t>(top.position);
    consider(left.previous);
    consider(static_cast<int32_t>(top.position));
  }
  tokens.clear();
  for (const Symbol& s : symbols)
    if (s.id >= 0) tokens.push_back({s.id, s.start});
}

}  // namespace anvil::tokenizers
