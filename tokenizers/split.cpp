#include "tokenizers/split.h"

#include <algorithm>
#include <stdexcept>

namespace anvil::tokenizers {
namespace {

// Delimiters joined to the span before (or, read backwards, after) them.
void merge_matches_into_neighbour(std::vector<Span>& spans) {
  std::vector<Span> merged;
  bool previous_match = false;
  for (const Span& span : spans) {
    if (span.is_match && !previous_match && !merged.empty()) merged.back().end = span.end;
    else merged.push_back({span.begin, span.end, false});
    previous_match = span.is_match;
  }
  spans.swap(merged);
}

void reverse_spans(std::vector<Span>& spans) {
  std::reverse(spans.begin(), spans.end());
  for (Span& span : spans) std::swap(span.begin, span.end);
}

void merge_contiguous(std::vector<Span>& spans) {
  std::vector<Span> merged;
  bool previous_match = false;
  for (const Span& span : spans) {
    if (span.is_match == previous_match && !merged.empty()) merged.back().end = span.end;
    else merged.push_back({span.begin, span.end, false});
    previous_match = span.is_match;
  }
  spans.swap(merged);
}

}  // namespace

SplitBehavior split_behavior_from_name(const std::string& name, const std::string& file) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  throw std::runtime_error(file + ": unknown split behavior '" + name +
                           "': expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

void regex_spans(const Regex& pattern, const std::string& text, std::vector<Span>& spans) {
  thread_local std::vector<std::pair<size_t, size_t>> matches;
  spans.clear();
  pattern.find_all(text, matches);
  size_t previous = 0;
  for (const auto& [begin, end] : matches) {
    if (previous != begin) spans.push_back({previous, begin, false});
    spans.push_back({begin, end, true});
    previous = end;
  }
  if (previous != text.size()) spans.push_back({previous, text.size(), false});
}

void split_by_spans(const Piece& piece, std::vector<Span>& spans, SplitBehavior behavior, std::vector<Piece>& out) {
  switch (behavior) {
    case SplitBehavior::kRemoved:
      break;
    case SplitBehavior::kIsolated:
      for (Span& span : spans) span.is_match = false;
      break;
    case SplitBehavior::kContiguous:
      merge_contiguous(spans);
      break;
    case SplitBehavior::kMergedWithPrevious:
      merge_matches_into_neighbour(spans);
      break;
    case SplitBehavior::kMergedWithNext:
      // The same merge run backwards: spans with begin and end swapped.
      reverse_spans(spans);
      merge_matches_into_neighbour(spans);
      reverse_spans(spans);
      break;
  }
  for (const Span& span : spans) {
    if (span.is_match || span.begin == span.end) continue;
    if (span.begin == 0 && span.end == piece.text.size()) out.push_back(piece);
    else out.push_back(piece.slice(span.begin, span.end));
  }
}

}  // namespace anvil::tokenizers
