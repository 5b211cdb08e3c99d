#include "serving/growing_text.h"

#include <algorithm>

namespace anvil::serving {
namespace {

// The longest end of TEXT that could still grow into a stop string: it is
// held back from a stream until the next token settles it.
size_t held_back(const std::string& text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const auto& stop : stops)
    for (size_t n = std::min(stop.size() - 1, text.size()); n > hold; --n)
      if (text.compare(text.size() - n, n, stop, 0, n) == 0) {
        hold = n;
        break;
      }
  // An unfinished UTF-8 sequence decodes to U+FFFD until its last byte comes.
  const std::string replacement = "\xEF\xBF\xBD";
  if (text.size() >= replacement.size() && text.compare(text.size() - 3, 3, replacement) == 0) hold = std::max<size_t>(hold, 3);
  return hold;
}

}  // namespace

GrowingText::GrowingText(const data::Tokenizer& tokenizer, std::vector<std::string> stops)
    : tokenizer_(tokenizer), stops_(std::move(stops)), stop_tokens_(tokenizer.stop_ids()) {}

bool GrowingText::add(const TokenLogprob& t) {
  if (std::find(stop_tokens_.begin(), stop_tokens_.end(), t.token) != stop_tokens_.end()) {
    finish_reason_ = "stop";
    return false;
  }
  ids_.push_back(static_cast<int32_t>(t.token));
  logprobs_.push_back(t);
  text_ = tokenizer_.decode(ids_);
  for (const auto& stop : stops_) {
    const size_t at = text_.find(stop);
    if (at != std::string::npos) {
      text_.resize(at);
      finish_reason_ = "stop";
      return false;
    }
  }
  return true;
}

std::string GrowingText::take_settled(bool finished) {
  const size_t end = finished ? text_.size() : text_.size() - std::min(text_.size(), held_back(text_, stops_));
  if (end <= shown_) return "";
  std::string out = text_.substr(shown_, end - shown_);
  shown_ = end;
  return out;
}

}  // namespace anvil::serving
