#include <cstdio>

#include "models/generate.h"
#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"

namespace anvil::cli {

int generate_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil generate CONFIG [checkpoint=PATH] [generate.prompt=TEXT] [key.path=value ...]\n\n"
        "Continues generate.prompt with a checkpoint (default: the newest complete one in run.dir)\n"
        "and prints the prompt and the continuation.");
    return 0;
  }
  auto ckpt = load_checkpoint_args(args);
  const auto& g = ckpt.config.generate;
  models::SamplingOptions options;
  options.max_new_tokens = g.max_new_tokens;
  options.temperature = g.temperature;
  options.top_k = g.top_k;
  options.top_p = g.top_p;
  options.seed = static_cast<uint64_t>(g.seed);
  options.use_cache = g.use_cache;
  const auto prompt_ids = ckpt.tokenizer->encode(g.prompt);
  const auto tokens = models::generate(ckpt.model, {prompt_ids.begin(), prompt_ids.end()}, options);
  std::fputs(ckpt.tokenizer->decode({tokens.begin(), tokens.end()}).c_str(), stdout);
  std::fputs("\n", stdout);
  return 0;
}

}  // namespace anvil::cli
