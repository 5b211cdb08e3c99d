// Chat examples with the real SmolLM2 and Mistral tokenizers: the loss falls on
// each reply and its end-of-turn token, nothing else.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/batch.h"
#include "data/chat_examples.h"
#include "tests/support/error_of.h"

using namespace anvil::data;
using anvil::test_support::error_of;

namespace {

std::string hf_dir(const std::string& model) { return std::string(std::getenv("ANVIL_DATA")) + "/hf/" + model; }

SftOptions chat_options() {
  SftOptions o;
  o.format = SftFormat::kChat;
  o.messages_field = "messages";
  o.instruction_field = "instruction";
  o.input_field = "input";
  o.output_field = "output";
  return o;
}

// The text of the targets, each run of trained targets as one string.
std::vector<std::string> trained_runs(const Example& e, const Tokenizer& tokenizer) {
  std::vector<std::string> runs;
  std::vector<int32_t> run;
  for (size_t i = 0; i <= e.targets.size(); ++i) {
    if (i < e.targets.size() && e.targets[i] != kIgnoreIndex) {
      run.push_back(static_cast<int32_t>(e.targets[i]));
    } else if (!run.empty()) {
      runs.push_back(tokenizer.decode(run));
      run.clear();
    }
  }
  return runs;
}

const auto kConversation = nlohmann::json::parse(R"({"messages": [
  {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
  {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "2+2?"},
  {"role": "assistant", "content": "4"}]})");

}  // namespace

TEST(ChatExamples, ChatMlTrainsEachReplyAndItsEndOfTurnOnly) {
  const auto tokenizer = load_tokenizer("hf", hf_dir("smollm2"));
  const auto e = sft_example(kConversation, chat_options(), *tokenizer, "c.jsonl", 3);
  EXPECT_EQ(trained_runs(e, *tokenizer), (std::vector<std::string>{"Hello!<|im_end|>", "4<|im_end|>"}));
  EXPECT_EQ(e.inputs.size(), e.targets.size());
}

TEST(ChatExamples, SentencepieceRepliesKeepTheirFirstWord) {
  const auto tokenizer = load_tokenizer("hf", hf_dir("mistral"));
  const auto record = nlohmann::json::parse(R"({"messages": [{"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello there"}]})");
  const auto e = sft_example(record, chat_options(), *tokenizer, "c.jsonl", 3);
  // "▁Hello" carries the space the template writes after [/INST]: it is trained.
  EXPECT_EQ(trained_runs(e, *tokenizer), (std::vector<std::string>{"Hello there</s>"}));
}

TEST(ChatExamples, AnAlpacaRecordIsOneExchange) {
  const auto tokenizer = load_tokenizer("hf", hf_dir("smollm2"));
  const auto record = nlohmann::json::parse(R"({"instruction": "Add", "input": "2 and 2", "output": "4"})");
  EXPECT_EQ(chat_messages(record, chat_options(), "a.jsonl", 1),
            nlohmann::ordered_json::parse(R"([{"role": "user", "content": "Add\n\n2 and 2"},
                                      {"role": "assistant", "content": "4"}])"));
  const auto e = sft_example(record, chat_options(), *tokenizer, "a.jsonl", 1);
  EXPECT_EQ(trained_runs(e, *tokenizer), (std::vector<std::string>{"4<|im_end|>"}));
}

TEST(ChatExamples, BadRecordsAndRejectedConversationsNameTheLine) {
  const auto tokenizer = load_tokenizer("hf", hf_dir("mistral"));
  EXPECT_EQ(error_of([&] { sft_example(nlohmann::json::parse(R"({"messages": "hi"})"), chat_options(), *tokenizer,
                                       "c.jsonl", 4); }),
            "c.jsonl:4: field 'messages' is not a list of messages but string");
  EXPECT_EQ(error_of([&] { sft_example(nlohmann::json::parse(R"({"text": "hi"})"), chat_options(), *tokenizer,
                                       "c.jsonl", 5); }),
            "c.jsonl:5: no field 'messages' (nor an alpaca 'instruction'); fields: text");
  const auto twice = nlohmann::json::parse(R"({"messages": [{"role": "user", "content": "a"},
    {"role": "user", "content": "b"}]})");
  EXPECT_EQ(error_of([&] { sft_example(twice, chat_options(), *tokenizer, "c.jsonl", 6); }),
            "c.jsonl:6: After the optional system message, conversation roles must alternate "
            "user/assistant/user/assistant/...");
}

TEST(ChatExamples, ThePromptEndsWithTheGenerationPrompt) {
  const auto tokenizer = load_tokenizer("hf", hf_dir("smollm2"));
  // SmolLM2's template adds its default system turn.
  EXPECT_EQ(chat_prompt(*tokenizer->hf(), "Hi"),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatExamples, GenerationStopsAtTheEndOfTheTurnAndAtTheEos) {
  // generation_config.json: Qwen2.5 ends a turn at <|im_end|>, a document at <|endoftext|>.
  const auto qwen = load_tokenizer("hf", hf_dir("qwen2.5"));
  EXPECT_EQ(qwen->stop_ids(), (std::vector<int64_t>{151645, 151643}));
  EXPECT_EQ(load_tokenizer("hf", hf_dir("gpt2"))->stop_ids(), (std::vector<int64_t>{50256}));
}
