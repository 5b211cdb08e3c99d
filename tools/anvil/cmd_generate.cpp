#include <cstdio>

#include <nlohmann/json.hpp>

#include "data/chat_examples.h"
#include "models/generate.h"
#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "recipes/tasks/task.h"

namespace anvil::cli {
namespace {

models::SamplingOptions sampling_options(const recipes::GenerateSection& g) {
  models::SamplingOptions options;
  options.max_new_tokens = g.max_new_tokens;
  options.temperature = g.temperature;
  options.top_k = g.top_k;
  options.top_p = g.top_p;
  options.seed = static_cast<uint64_t>(g.seed);
  options.use_cache = g.use_cache;
  return options;
}

}  // namespace

int generate_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil generate CONFIG [--chat] [checkpoint=PATH] [generate.prompt=TEXT] [key.path=value ...]\n\n"
        "Continues generate.prompt with a checkpoint (default: the newest complete one in run.dir)\n"
        "and prints the prompt and the continuation. With task.type sft, the prompt is the request:\n"
        "it is put in the template the model was tuned on, and only the answer is printed.\n"
        "--chat: the prompt is a user turn, rendered with the tokenizer's chat template and its\n"
        "generation prompt; the answer ends at the template's end-of-turn tokens.");
    return 0;
  }
  Args rest;
  bool chat = false;
  for (const auto& a : args) {
    if (a == "--chat")
      chat = true;
    else
      rest.push_back(a);
  }
  auto ckpt = load_checkpoint_args(rest, recipes::ConfigUse::kNoData, /*inference=*/true);
  const auto& g = ckpt.config.generate;
  auto options = sampling_options(g);
  const data::Tokenizer& tokenizer = *ckpt.tokenizer;
  std::optional<std::string> answer_prompt;
  if (chat) {
    if (!tokenizer.hf())
      throw std::runtime_error("--chat renders with a Hugging Face tokenizer's chat template, but the checkpoint's "
                               "tokenizer is " + tokenizer.type());
    answer_prompt = data::chat_prompt(*tokenizer.hf(), g.prompt);
  } else {
    answer_prompt = recipes::task_of(ckpt.config).answer_prompt(ckpt.config, tokenizer, g.prompt);
  }
  const bool answer = answer_prompt.has_value();
  if (answer) options.stop_tokens = tokenizer.stop_ids();
  const auto prompt_ids = tokenizer.encode(answer_prompt.value_or(g.prompt));
  auto tokens = models::generate(ckpt.model, {prompt_ids.begin(), prompt_ids.end()}, options);
  if (answer) {
    tokens.erase(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(prompt_ids.size()));
    if (!tokens.empty() && models::is_stop_token(options, tokens.back())) tokens.pop_back();
  }
  const std::string text = tokenizer.decode({tokens.begin(), tokens.end()}) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);  // the text may hold NUL bytes
  return 0;
}

}  // namespace anvil::cli
