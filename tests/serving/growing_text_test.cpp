// A generation's text as its tokens arrive, through GPT-2's real byte-level
// tokenizer: what a stream may show, and where stop strings and tokens end it.
#include "serving/growing_text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

namespace anvil::serving {
namespace {

std::unique_ptr<data::Tokenizer> gpt2() {
  return data::load_tokenizer("hf", std::string(std::getenv("ANVIL_DATA")) + "/hf/gpt2");
}

// Feeds TEXT's tokens until add() refuses one; returns every settled piece.
std::vector<std::string> stream(GrowingText& growing, const data::Tokenizer& tokenizer, const std::string& text,
                                size_t* fed = nullptr) {
  std::vector<std::string> pieces;
  size_t n = 0;
  for (const int32_t id : tokenizer.encode(text)) {
    ++n;
    const bool more = growing.add({id, 0.0, {}});
    pieces.push_back(growing.take_settled(!more));
    if (!more) break;
  }
  if (fed) *fed = n;
  return pieces;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string all;
  for (const auto& p : pieces) all += p;
  return all;
}

TEST(GrowingText, AStopStringAcrossTokensIsCutAndNeverShown) {
  const auto tokenizer = gpt2();
  GrowingText growing(*tokenizer, {"\n\n"});
  const auto pieces = stream(growing, *tokenizer, "Hello there\n\nWorld");
  EXPECT_EQ(growing.text(), "Hello there");
  EXPECT_EQ(growing.finish_reason(), "stop");
  EXPECT_EQ(joined(pieces), "Hello there");
  for (const auto& piece : pieces) EXPECT_EQ(piece.find('\n'), std::string::npos) << piece;
}

TEST(GrowingText, APrefixOfAStopStringIsHeldBackUntilSettled) {
  const auto tokenizer = gpt2();
  GrowingText growing(*tokenizer, {"END"});
  const auto ids = tokenizer->encode("ok EN");
  for (const int32_t id : ids) ASSERT_TRUE(growing.add({id, 0.0, {}}));
  EXPECT_EQ(growing.take_settled(false), "ok ");  // "EN" may still become "END"
  EXPECT_EQ(growing.take_settled(true), "EN");    // finished by length: all of it
  EXPECT_EQ(growing.finish_reason(), "length");
}

TEST(GrowingText, AStopTokenEndsItAndIsLeftOut) {
  const auto tokenizer = gpt2();
  GrowingText growing(*tokenizer, {});
  for (const int32_t id : tokenizer->encode("Hi")) ASSERT_TRUE(growing.add({id, 0.0, {}}));
  EXPECT_FALSE(growing.add({50256, 0.0, {}}));  // <|endoftext|>, generation_config.json's EOS
  EXPECT_EQ(growing.text(), "Hi");
  EXPECT_EQ(growing.tokens(), tokenizer->encode("Hi").size());
  EXPECT_EQ(growing.finish_reason(), "stop");
}

TEST(GrowingText, AnUnfinishedUtf8CharacterIsNotShownHalf) {
  const auto tokenizer = gpt2();
  const std::string text = "a\xF0\x9F\x99\x82";  // "a🙂": GPT-2 spells the emoji in byte tokens
  ASSERT_GT(tokenizer->encode(text).size(), 2u);
  GrowingText growing(*tokenizer, {});
  const auto pieces = stream(growing, *tokenizer, text);
  for (const auto& piece : pieces) EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos) << piece;
  EXPECT_EQ(joined(pieces) + growing.take_settled(true), text);
}

}  // namespace
}  // namespace anvil::serving
