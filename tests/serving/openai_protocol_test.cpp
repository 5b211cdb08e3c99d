// Request bodies read as the OpenAI API defines them, and every mistake a
// 400 that names the field.
#include <gtest/gtest.h>

#include "serving/openai_protocol.h"

namespace anvil::serving {
namespace {

using nlohmann::json;

ServingLimits limits() {
  ServingLimits l;
  l.context = 128;
  l.max_tokens = 100;
  l.vocab = 50;
  return l;
}

std::string error_param(const json& body, bool chat = false) {
  try {
    if (chat)
      parse_chat_request(body, limits());
    else
      parse_completion_request(body, limits());
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    const auto b = e.body();
    EXPECT_TRUE(b["error"]["message"].is_string());
    EXPECT_EQ(b["error"]["type"], "invalid_request_error");
    return b["error"]["param"].is_null() ? "(none)" : b["error"]["param"].get<std::string>();
  }
  ADD_FAILURE() << "accepted: " << body.dump();
  return "";
}

TEST(CompletionRequest, ReadsEveryPromptForm) {
  const auto r = parse_completion_request(json::parse(R"({"prompt": ["a", [1, 2], "b"], "max_tokens": 3,
      "temperature": 0, "top_p": 0.5, "stop": "\n", "seed": 9, "n": 2, "echo": true, "logprobs": 1})"), limits());
  ASSERT_EQ(r.prompts.size(), 3u);
  EXPECT_EQ(r.prompts[0].text, "a");
  EXPECT_TRUE(r.prompts[1].is_ids);
  EXPECT_EQ(r.prompts[1].ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(r.sampling.max_tokens, 3);
  EXPECT_EQ(r.sampling.stop, (std::vector<std::string>{"\n"}));
  EXPECT_EQ(*r.sampling.seed, 9u);
  EXPECT_EQ(r.sampling.n, 2);
  EXPECT_TRUE(r.echo);
  EXPECT_EQ(*r.logprobs, 1);
  const auto ids = parse_completion_request(json::parse(R"({"prompt": [4, 5, 6]})"), limits());
  EXPECT_EQ(ids.prompts.size(), 1u);
  EXPECT_EQ(ids.sampling.max_tokens, 16);  // OpenAI's default
  EXPECT_DOUBLE_EQ(ids.sampling.temperature, 1.0);
}

TEST(CompletionRequest, MistakesNameTheirField) {
  EXPECT_EQ(error_param(json::array()), "(none)");
  EXPECT_EQ(error_param(json::parse(R"({})")), "prompt");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": 5})")), "prompt");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": ""})")), "prompt");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": []})")), "prompt");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": [1, 50]})")), "prompt");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": [-1]})")), "prompt");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": [[]]})")), "prompt");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "max_tokens": "x"})")), "max_tokens");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "max_tokens": 1000000000})")), "max_tokens");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "max_tokens": -1})")), "max_tokens");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "max_tokens": 0})")), "max_tokens");  // only with echo
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "temperature": -1})")), "temperature");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "temperature": "hot"})")), "temperature");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "top_p": 0})")), "top_p");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "n": 0})")), "n");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "n": 100})")), "n");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "stop": [1]})")), "stop");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "stop": ["a", "b", "c", "d", "e"]})")), "stop");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "stream": "yes"})")), "stream");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "stream": true, "n": 2})")), "n");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "logprobs": 9})")), "logprobs");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "model": 3})")), "model");
  EXPECT_EQ(error_param(json::parse(R"({"prompt": "a", "best_of": 3})")), "best_of");
}

TEST(ChatRequest, JoinsTextPartsAndChecksMessages) {
  const auto r = parse_chat_request(json::parse(R"({"messages": [{"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}]}]})"), limits());
  EXPECT_EQ(r.messages[1]["content"], "hi there");
  EXPECT_EQ(r.sampling.max_tokens, -1);  // as many as the window leaves
  EXPECT_EQ(error_param(json::parse(R"({"messages": []})"), true), "messages");
  EXPECT_EQ(error_param(json::parse(R"({"messages": "hi"})"), true), "messages");
  EXPECT_EQ(error_param(json::parse(R"({"messages": [{"content": "hi"}]})"), true), "messages[0]");
  EXPECT_EQ(error_param(json::parse(R"({"messages": [{"role": "user", "content": 4}]})"), true), "messages[0].content");
  EXPECT_EQ(error_param(json::parse(R"({"messages": [{"role": "user", "content": "x"}], "logprobs": true})"), true), "logprobs");
}

}  // namespace
}  // namespace anvil::serving
