#include "chat/chat_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace anvil::chat {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

// SmolLM2's template: ChatML with a default system prompt.
const char* const kChatMl =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are helpful<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

ChatTemplate chat_ml() { return ChatTemplate(kChatMl, "chatml", {{"eos_token", "<|im_end|>"}}, {"<|im_end|>"}); }

std::vector<std::string> trained_texts(const RenderedChat& rendered) {
  std::vector<std::string> texts;
  for (const auto& [begin, end] : rendered.trained) texts.push_back(rendered.text.substr(begin, end - begin));
  return texts;
}

TEST(ChatTemplate, RendersAsApplyChatTemplate) {
  const json messages = {{{"role", "user"}, {"content", "Hi"}}};
  EXPECT_EQ(chat_ml().render(messages, false), "<|im_start|>system\nYou are helpful<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
  EXPECT_EQ(chat_ml().render(messages, true),
            "<|im_start|>system\nYou are helpful<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, TrainsOnAssistantContentAndItsEndOfTurnOnly) {
  // The user repeats the assistant's words: a search for the content would
  // find the user's copy first.
  const json messages = {{{"role", "system"}, {"content", "Be brief"}},
                         {{"role", "user"}, {"content", "Say OK"}},
                         {{"role", "assistant"}, {"content", "Say OK"}},
                         {{"role", "user"}, {"content", "Again"}},
                         {{"role", "assistant"}, {"content", " OK \n"}}};
  const RenderedChat rendered = chat_ml().render_for_training(messages);
  EXPECT_EQ(rendered.text, chat_ml().render(messages, false));
  EXPECT_EQ(trained_texts(rendered), (std::vector<std::string>{"Say OK<|im_end|>", " OK \n<|im_end|>"}));
  const size_t first_assistant = rendered.text.find("<|im_start|>assistant\n") + 22;
  EXPECT_EQ(rendered.trained[0].first, first_assistant);
}

TEST(ChatTemplate, AnEmptyAssistantTurnTrainsOnItsEndOfTurn) {
  const json messages = {{{"role", "user"}, {"content", "Hi"}}, {{"role", "assistant"}, {"content", ""}}};
  EXPECT_EQ(trained_texts(chat_ml().render_for_training(messages)), (std::vector<std::string>{"<|im_end|>"}));
}

TEST(ChatTemplate, FindsContentATemplateTrims) {
  const ChatTemplate trimming("{% for m in messages %}[{{ m.role }}]{{ m.content | trim }}</s>{% endfor %}", "trim", {},
                              {"</s>"});
  const json messages = {{{"role", "user"}, {"content", " a "}}, {{"role", "assistant"}, {"content", "  b c \n"}}};
  const RenderedChat rendered = trimming.render_for_training(messages);
  EXPECT_EQ(rendered.text, "[user]a</s>[assistant]b c</s>");
  EXPECT_EQ(trained_texts(rendered), (std::vector<std::string>{"b c</s>"}));
}

TEST(ChatTemplate, RefusesATemplateThatRewritesTheContent) {
  const ChatTemplate shouting("{% for m in messages %}{{ m.content | upper }}{% endfor %}", "shouting", {}, {});
  const json messages = {{{"role", "user"}, {"content", "a"}}, {{"role", "assistant"}, {"content", "b"}}};
  try {
    shouting.render_for_training(messages);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("shouting"));
    EXPECT_THAT(e.what(), HasSubstr("assistant message 1"));
  }
}

TEST(ChatTemplate, PassesTheTemplatesOwnRejection) {
  const ChatTemplate strict(
      "{% for m in messages %}{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
      "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
      "{% endfor %}",
      "strict", {}, {});
  const json messages = {{{"role", "assistant"}, {"content", "a"}}};
  try {
    strict.render(messages, false);
    FAIL() << "no error";
  } catch (const TemplateRaised& e) {
    EXPECT_STREQ(e.what(), "Conversation roles must alternate user/assistant/user/assistant/...");
  }
}

TEST(ChatTemplate, DropsNullKeysAndPassesToolsAsNone) {
  const ChatTemplate probe("{{ tools is none }} {{ messages[0].content is defined }}", "probe", {}, {});
  EXPECT_EQ(probe.render(json::array({{{"role", "user"}, {"content", nullptr}}}), false), "True False");
}

}  // namespace
}  // namespace anvil::chat
