#include "tokenizers/pipeline.h"

#include <algorithm>

namespace anvil::tokenizers {
namespace {

void append_token(Encoding& encoding, int32_t id, uint32_t start) {
  encoding.ids.push_back(id);
  encoding.starts.push_back(start);
}

}  // namespace

Encoding Pipeline::encode(const Piece& text, size_t input_size, bool add_special_tokens) const {
  Encoding encoding;
  encoding.ids.reserve(text.text.size() / 3 + 4);
  encoding.starts.reserve(text.text.size() / 3 + 4);
  if (add_special_tokens)
    for (const int32_t id : post_processor.before) append_token(encoding, id, 0);

  thread_local std::vector<WordToken> word_tokens;
  std::vector<Segment> raw_segments, normalized_segments;
  std::vector<Piece> words;
  added.split(text, false, raw_segments);
  for (Segment& raw : raw_segments) {
    if (raw.id >= 0) {
      append_token(encoding, raw.id, raw.piece.origin_of(0));
      continue;
    }
    if (normalizer) normalizer->normalize(raw.piece);
    normalized_segments.clear();
    added.split(raw.piece, true, normalized_segments);
    for (Segment& segment : normalized_segments) {
      if (segment.id >= 0) {
        append_token(encoding, segment.id, segment.piece.origin_of(0));
        continue;
      }
      words.clear();
      words.push_back(std::move(segment.piece));
      if (pre_tokenizer) pre_tokenizer->pre_tokenize(words);
      for (const Piece& word : words) {
        word_tokens.clear();
        model->tokenize(word, word_tokens);
        for (const WordToken& token : word_tokens) append_token(encoding, token.id, word.origin_of(token.start));
      }
    }
  }
  if (add_special_tokens)
    for (const int32_t id : post_processor.after) append_token(encoding, id, static_cast<uint32_t>(input_size));
  return encoding;
}

std::string Pipeline::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    if (const AddedToken* token = added.find(id)) {
      if (!(skip_special_tokens && token->special)) tokens.push_back(token->content);
    } else if (const std::string* token = model->id_to_token(id)) {
      // HF skips by content: a model token spelled like a special token goes too.
      const AddedToken* same = added.find(*token);
      if (!(skip_special_tokens && same != nullptr && same->special)) tokens.push_back(*token);
    }
  }
  if (!decoder) {
    std::string joined;
    for (size_t i = 0; i < tokens.size(); ++i) joined += (i > 0 ? " " : "") + tokens[i];
    return joined;
  }
  decoder->decode_chain(tokens);
  std::string out;
  for (const std::string& token : tokens) out += token;
  return out;
}

std::optional<std::string> Pipeline::id_to_token(int32_t id) const {
  if (const AddedToken* token = added.find(id)) return token->content;
  if (const std::string* token = model->id_to_token(id)) return *token;
  return std::nullopt;
}

std::optional<int32_t> Pipeline::token_to_id(const std::string& token) const {
  if (const AddedToken* added_token = added.find(token)) return added_token->id;
  return model->token_to_id(token);
}

int32_t Pipeline::max_id() const {
  int32_t max = model->max_id();
  for (const AddedToken& token : added.tokens()) max = std::max(max, token.id);
  return max;
}

}  // namespace anvil::tokenizers
