#include "tokenizers/added_vocabulary.h"

#include <algorithm>

#include "tokenizers/normalizers.h"
#include "tokenizers/unicode_props.h"
#include "tokenizers/utf8.h"

namespace anvil::tokenizers {
namespace {

char32_t code_point_before(const std::string& text, size_t at) {
  size_t start = at - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  size_t n = 0;
  return decode_code_point(text, start, &n);
}

// Where the whitespace run that ends at `at` begins.
size_t whitespace_start_before(const std::string& text, size_t at) {
  while (at > 0) {
    const char32_t cp = code_point_before(text, at);
    if (!is_whitespace(cp)) break;
    size_t start = at - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    at = start;
  }
  return at;
}

size_t whitespace_end_after(const std::string& text, size_t at) {
  while (at < text.size()) {
    size_t n = 0;
    if (!is_whitespace(decode_code_point(text, at, &n))) break;
    at += n;
  }
  return at;
}

}  // namespace

void AddedVocabulary::Trie::insert(const std::string& text, int32_t token) {
  size_t node = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    auto& children = nodes[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1}));
    if (it == children.end() || it->first != byte) {
      const auto child = static_cast<int32_t>(nodes.size());
      children.insert(it, {byte, child});
      nodes.emplace_back();
      node = static_cast<size_t>(child);
    } else {
      node = static_cast<size_t>(it->second);
    }
  }
  nodes[node].token = token;
  first_bytes[static_cast<unsigned char>(text[0])] = true;
}

int32_t AddedVocabulary::Trie::longest_at(const std::string& text, size_t at, size_t* length) const {
  int32_t found = -1;
  size_t node = 0;
  for (size_t i = at; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto& children = nodes[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1}));
    if (it == children.end() || it->first != byte) break;
    node = static_cast<size_t>(it->second);
    if (nodes[node].token >= 0) {
      found = nodes[node].token;
      *length = i + 1 - at;
    }
  }
  return found;
}

void AddedVocabulary::add(AddedToken token) {
  auto slot = by_id_.find(token.id);
  if (slot == by_id_.end()) slot = by_content_.count(token.content) ? by_id_.find(tokens_[by_content_[token.content]].id)
                                                                    : by_id_.end();
  if (slot == by_id_.end()) {
    by_content_[token.content] = tokens_.size();
    by_id_[token.id] = tokens_.size();
    tokens_.push_back(std::move(token));
    return;
  }
  const size_t index = slot->second;
  by_content_.erase(tokens_[index].content);
  by_id_.erase(tokens_[index].id);
  by_content_[token.content] = index;
  by_id_[token.id] = index;
  tokens_[index] = std::move(token);
}

void AddedVocabulary::prepare(const Normalizer* normalizer, bool split_special) {
  raw_ = Trie{};
  normalized_ = Trie{};
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& token = tokens_[i];
    if (token.content.empty() || (split_special && token.special)) continue;
    if (!token.normalized) {
      raw_.insert(token.content, static_cast<int32_t>(i));
      continue;
    }
    Piece form;
    form.text = token.content;
    if (normalizer != nullptr) normalizer->normalize(form);
    if (!form.text.empty()) normalized_.insert(form.text, static_cast<int32_t>(i));
  }
}

void AddedVocabulary::split(const Piece& text, bool normalized_stage, std::vector<Segment>& out) const {
  find_matches(normalized_stage ? normalized_ : raw_, text, out);
}

void AddedVocabulary::find_matches(const Trie& trie, const Piece& piece, std::vector<Segment>& out) const {
  const std::string& text = piece.text;
  size_t done = 0;  // end of the last token taken
  size_t at = 0;    // where the search goes on: past every match, taken or not
  auto emit_text = [&](size_t begin, size_t end) {
    if (begin < end) out.push_back({begin == 0 && end == text.size() ? piece : piece.slice(begin, end), -1});
  };
  while (at < text.size()) {
    if (!trie.first_bytes[static_cast<unsigned char>(text[at])]) {
      ++at;
      continue;
    }
    size_t length = 0;
    const int32_t index = trie.longest_at(text, at, &length);
    if (index < 0) {
      ++at;
      continue;
    }
    const AddedToken& token = tokens_[static_cast<size_t>(index)];
    size_t start = at, stop = at + length;
    at = stop;
    if (token.single_word) {
      size_t n = 0;
      const bool word_before = start > 0 && is_word_char(code_point_before(text, start));
      const bool word_after = stop < text.size() && is_word_char(decode_code_point(text, stop, &n));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) start = std::max(whitespace_start_before(text, start), done);
    if (token.rstrip) stop = whitespace_end_after(text, stop);
    emit_text(done, start);
    out.push_back({piece.slice(start, stop), token.id});
    done = stop;
    at = std::max(at, stop);
  }
  emit_text(done, text.size());
}

const AddedToken* AddedVocabulary::find(const std::string& content) const {
  const auto it = by_content_.find(content);
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::find(int32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace anvil::tokenizers
