#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/batch.h"
#include "data/sft_examples.h"
#include "tests/data/chars_with_eos.h"
#include "tests/support/error_of.h"

using namespace anvil::data;
using anvil::test_support::CharsWithEos;
using anvil::test_support::error_of;

namespace {

SftOptions options(SftFormat format) {
  SftOptions o;
  o.format = format;
  o.prompt_template = "I: {instruction} In: {input} R: ";
  o.prompt_template_no_input = "I: {instruction} R: ";
  o.instruction_field = "instruction";
  o.input_field = "input";
  o.output_field = "output";
  o.prompt_field = "prompt";
  o.completion_field = "completion";
  o.messages_field = "messages";
  o.role_template = "<{role}>";
  return o;
}

std::vector<TextPart> parts_of(const std::string& record, SftFormat format) {
  return sft_parts(nlohmann::json::parse(record), options(format), "d.jsonl", 7);
}

std::string error_for(const std::string& record, SftFormat format) {
  return error_of([&] { parts_of(record, format); });
}

// "text|trained" for each part, to compare whole results at once.
std::vector<std::string> shown(const std::vector<TextPart>& parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.push_back(p.text + (p.trained ? "|trained" : "|prompt"));
  return out;
}

using Shown = std::vector<std::string>;

}  // namespace

TEST(SftExamples, AlpacaFillsTheTemplateThatMatchesTheInput) {
  EXPECT_EQ(shown(parts_of(R"({"instruction": "add", "input": "1 2", "output": "3"})", SftFormat::kAlpaca)),
            (Shown{"I: add In: 1 2 R: |prompt", "3|trained"}));
  // A missing or empty input takes the template without one.
  EXPECT_EQ(shown(parts_of(R"({"instruction": "greet", "output": "hi"})", SftFormat::kAlpaca)),
            (Shown{"I: greet R: |prompt", "hi|trained"}));
  EXPECT_EQ(shown(parts_of(R"({"instruction": "greet", "input": "", "output": "hi"})", SftFormat::kAlpaca)),
            (Shown{"I: greet R: |prompt", "hi|trained"}));
}

TEST(SftExamples, PromptCompletionIsTakenAsWritten) {
  const auto record = R"({"prompt": "Q {input}", "completion": " A", "extra": 1})";
  EXPECT_EQ(shown(parts_of(record, SftFormat::kPromptCompletion)),
            (Shown{"Q {input}|prompt", " A|trained"}));
}

TEST(SftExamples, MessagesFollowTheRoleTemplateAndOnlyAssistantTurnsTrain) {
  const auto parts = parts_of(R"({"messages": [{"role": "system", "content": "be brief"},
                                               {"role": "user", "content": "hi"},
                                               {"role": "assistant", "content": "yo"},
                                               {"role": "tool", "content": "42"},
                                               {"role": "assistant", "content": "ok"}]})",
                              SftFormat::kMessages);
  EXPECT_EQ(shown(parts), (Shown{"<system>|prompt", "be brief|prompt", "<user>|prompt", "hi|prompt",
                                 "<assistant>|prompt", "yo|trained", "<tool>|prompt", "42|prompt",
                                 "<assistant>|prompt", "ok|trained"}));
}

TEST(SftExamples, BracesInUserTextStayAsWritten) {
  // Filled in one pass: a field holding a slot is not filled again.
  const auto swapped = R"({"instruction": "{input}", "input": "{instruction}", "output": "x"})";
  EXPECT_EQ(parts_of(swapped, SftFormat::kAlpaca)[0].text, "I: {input} In: {instruction} R: ");
  EXPECT_EQ(parts_of(R"({"messages": [{"role": "user", "content": "{role}"}]})", SftFormat::kMessages)[1].text,
            "{role}");
  // Unknown slots, and a brace that never closes, are text.
  EXPECT_EQ(fill_template("{a} {b} {c", {{"b", "B"}}), "{a} B {c");
  EXPECT_EQ(fill_template("{{b}}", {{"b", "B"}}), "{B}");  // doubling a brace does not escape it
  EXPECT_EQ(fill_template("x{b}y{b}", {{"b", "{b}"}}), "x{b}y{b}");
}

TEST(SftExamples, UnknownRolesAndBadRecordsNameFileAndLine) {
  EXPECT_EQ(error_for(R"({"messages": [{"role": "assisstant", "content": "yo"}]})", SftFormat::kMessages),
            "d.jsonl:7: message role 'assisstant': expected system, user, assistant or tool");
  EXPECT_EQ(error_for(R"({"messages": [{"role": "Assistant", "content": "yo"}]})", SftFormat::kMessages),
            "d.jsonl:7: message role 'Assistant': expected system, user, assistant or tool");
  EXPECT_EQ(error_for(R"({"messages": ["hi"]})", SftFormat::kMessages),
            "d.jsonl:7: a message is not an object with role and content");
  EXPECT_EQ(error_for(R"({"messages": [{"content": "hi"}]})", SftFormat::kMessages),
            "d.jsonl:7: no field 'role' (fields: content)");
  EXPECT_EQ(error_for(R"({"messages": "hello"})", SftFormat::kMessages),
            "d.jsonl:7: field 'messages' is not a list of messages but string");
  EXPECT_EQ(error_for(R"({"chat": [], "id": 1})", SftFormat::kMessages),
            "d.jsonl:7: no field 'messages' (fields: chat, id)");
  EXPECT_EQ(error_for(R"({"prompt": "a"})", SftFormat::kPromptCompletion),
            "d.jsonl:7: no field 'completion' (fields: prompt)");
  EXPECT_EQ(error_for(R"({"instruction": "a", "input": null, "output": "b"})", SftFormat::kAlpaca),
            "d.jsonl:7: field 'input' is not a string but null");
  EXPECT_EQ(error_for(R"({"instruction": 3, "output": "b"})", SftFormat::kAlpaca),
            "d.jsonl:7: field 'instruction' is not a string but number");
}

TEST(SftExamples, EachResponseAndItsEosCarryTheLoss) {
  const CharsWithEos tok("abc<>:");
  const auto record = nlohmann::json::parse(R"({"messages": [{"role": "user", "content": "a"},
                                                             {"role": "assistant", "content": "b"},
                                                             {"role": "user", "content": "c"},
                                                             {"role": "assistant", "content": "a"}]})");
  SftOptions o = options(SftFormat::kMessages);
  o.role_template = ":";
  const Example e = sft_example(record, o, tok, "d.jsonl", 1);
  // tokens: : a : b EOS : c : a EOS; inputs drop the last, targets the first.
  const auto t = [&](const char* s) { return static_cast<int64_t>(tok.encode(s)[0]); };
  const int64_t x = kIgnoreIndex, eos = tok.eos_id();
  EXPECT_EQ(e.inputs.size(), 9u);
  EXPECT_EQ(e.targets, (std::vector<int64_t>{x, x, t("b"), eos, x, x, x, t("a"), eos}));
}

TEST(SftExamples, PromptForARequestMatchesTheTrainingLayout) {
  const CharsWithEos tok;
  EXPECT_EQ(sft_prompt(options(SftFormat::kAlpaca), tok, "add {input}"), "I: add {input} R: ");
  EXPECT_EQ(sft_prompt(options(SftFormat::kPromptCompletion), tok, "Q"), "Q");
  EXPECT_EQ(sft_prompt(options(SftFormat::kMessages), tok, "hi"), "<user>hi<assistant>");
}

TEST(SftExamples, ChatNeedsAHuggingFaceTokenizer) {
  const CharsWithEos tok;
  const auto record = nlohmann::json::parse(R"({"messages": [{"role": "user", "content": "hi"}]})");
  EXPECT_EQ(error_of([&] { sft_example(record, options(SftFormat::kChat), tok, "d.jsonl", 7); }),
            "sft.format chat renders with a Hugging Face tokenizer's chat template, but the tokenizer is test "
            "(tokenizer.type: hf, or a model directory)");
  EXPECT_EQ(error_of([&] { sft_prompt(options(SftFormat::kChat), tok, "hi"); }),
            "sft.format chat renders with a Hugging Face tokenizer's chat template, but the tokenizer is test "
            "(tokenizer.type: hf, or a model directory)");
}
