#pragma once
// One generation's text as its tokens arrive: a stop token or stop string
// ends it (the stop string cut off), and take_settled() says what a stream
// may show so far without taking any of it back.
#include <cstddef>
#include <string>
#include <vector>

#include "data/tokenizer.h"
#include "serving/engine.h"

namespace anvil::serving {

class GrowingText {
 public:
  GrowingText(const data::Tokenizer& tokenizer, std::vector<std::string> stops);

  // False when generation should end here: T is a stop token (left out), or
  // the text now holds a stop string.
  bool add(const TokenLogprob& t);
  // The text not yet shown that no stop string can take back, and no
  // unfinished UTF-8 sequence; all of it once FINISHED.
  std::string take_settled(bool finished);

  const std::string& text() const { return text_; }
  const std::vector<TokenLogprob>& logprobs() const { return logprobs_; }
  size_t tokens() const { return ids_.size(); }
  // "stop" (a stop token or string) or "length".
  const std::string& finish_reason() const { return finish_reason_; }

 private:
  const data::Tokenizer& tokenizer_;
  std::vector<std::string> stops_;
  std::vector<int64_t> stop_tokens_;
  std::vector<int32_t> ids_;
  std::vector<TokenLogprob> logprobs_;
  std::string text_;
  std::string finish_reason_ = "length";
  size_t shown_ = 0;
};

}  // namespace anvil::serving
