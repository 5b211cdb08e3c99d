#include <cstdio>

#include "models/generate.h"
#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "recipes/tasks/task.h"

namespace anvil::cli {

int generate_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil generate CONFIG [checkpoint=PATH] [generate.prompt=TEXT] [key.path=value ...]\n\n"
        "Continues generate.prompt with a checkpoint (default: the newest complete one in run.dir)\n"
        "and prints the prompt and the continuation. With task.type sft, the prompt is the request:\n"
        "it is put in the template the model was tuned on, and only the answer is printed.");
    return 0;
  }
  auto ckpt = load_checkpoint_args(args, recipes::ConfigUse::kNoData);
  const auto& g = ckpt.config.generate;
  models::SamplingOptions options;
  options.max_new_tokens = g.max_new_tokens;
  options.temperature = g.temperature;
  options.top_k = g.top_k;
  options.top_p = g.top_p;
  options.seed = static_cast<uint64_t>(g.seed);
  options.use_cache = g.use_cache;
  const auto answer_prompt = recipes::task_of(ckpt.config).answer_prompt(ckpt.config, g.prompt);
  const bool answer = answer_prompt.has_value();
  if (answer) options.stop_token = ckpt.tokenizer->eos_id();
  const auto prompt_ids = ckpt.tokenizer->encode(answer_prompt.value_or(g.prompt));
  auto tokens = models::generate(ckpt.model, {prompt_ids.begin(), prompt_ids.end()}, options);
  if (answer) {
    tokens.erase(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(prompt_ids.size()));
    if (!tokens.empty() && tokens.back() == options.stop_token) tokens.pop_back();
  }
  std::fputs(ckpt.tokenizer->decode({tokens.begin(), tokens.end()}).c_str(), stdout);
  std::fputs("\n", stdout);
  return 0;
}

}  // namespace anvil::cli
