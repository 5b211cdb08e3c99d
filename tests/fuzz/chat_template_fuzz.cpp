// A chat template (Jinja): parsed, then rendered over a conversation with and
// without the generation prompt, as transformers renders it.
#include <nlohmann/json.hpp>

#include "chat/template.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::ordered_json kVariables = nlohmann::ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi <b>&"},
                 {"role": "assistant", "content": "Hello!", "tool_calls": [{"name": "f", "arguments": {"x": 1}}]}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})");
  const std::string source(reinterpret_cast<const char*>(data), size);
  anvil::fuzz::expect_no_crash([&] {
    anvil::chat::Template chat(source);
    chat.render(kVariables);
  });
  anvil::fuzz::expect_no_crash([&] {
    anvil::chat::Template strict(source, "doc_to_text", anvil::chat::Dialect::kStrict);
    strict.render(kVariables);
  });
  return 0;
}
