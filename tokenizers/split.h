#pragma once
// HF's NormalizedString::split: a piece cut by the spans a pattern finds,
// each delimiter kept, removed or merged as the behavior says.
#include <string>
#include <vector>

#include "tokenizers/piece.h"
#include "tokenizers/regex.h"

namespace anvil::tokenizers {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Throws std::runtime_error naming `file` for an unknown name.
SplitBehavior split_behavior_from_name(const std::string& name, const std::string& file);

struct Span {
  size_t begin, end;
  bool is_match;
};

// The spans of `text`: matches of `pattern` and the text between them.
void regex_spans(const Regex& pattern, const std::string& text, std::vector<Span>& spans);

// The spans of `text`: each character for which `is_delimiter` holds, and the runs between.
template <typename Predicate>
void char_spans(const std::string& text, Predicate is_delimiter, std::vector<Span>& spans);

// Appends the non-empty pieces of `piece` cut along `spans` (which cover it in order).
void split_by_spans(const Piece& piece, std::vector<Span>& spans, SplitBehavior behavior, std::vector<Piece>& out);

}  // namespace anvil::tokenizers

#include "tokenizers/utf8.h"

namespace anvil::tokenizers {

template <typename Predicate>
void char_spans(const std::string& text, Predicate is_delimiter, std::vector<Span>& spans) {
  spans.clear();
  size_t run = 0;
  for (size_t i = 0; i < text.size();) {
    size_t n = 0;
    const char32_t cp = decode_code_point(text, i, &n);
    if (is_delimiter(cp)) {
      if (run < i) spans.push_back({run, i, false});
      spans.push_back({i, i + n, true});
      run = i + n;
    }
    i += n;
  }
  if (run < text.size()) spans.push_back({run, text.size(), false});
}

}  // namespace anvil::tokenizers
