#include <cstdio>

#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "recipes/corpus.h"

namespace anvil::cli {

int tokenizer_command(const Args& args) {
  if (args.empty() || args[0] != "train" || wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil tokenizer train CONFIG [key.path=value ...]\n\n"
        "Trains a sentencepiece model (tokenizer.model_type, vocab_size, character_coverage, byte_fallback,\n"
        "special_tokens) on the documents of data.sources (those with split: val left out) and writes it\n"
        "to tokenizer.path.");
    return wants_help(args) ? 0 : 2;
  }
  const auto config = load_config_args({args.begin() + 1, args.end()}, recipes::ConfigUse::kTokenizerTrain).config;
  std::printf("anvil tokenizer train -> %s (%s, vocabulary %lld)\n", config.tokenizer.path.c_str(),
              config.tokenizer.model_type.c_str(), static_cast<long long>(config.tokenizer.vocab_size));
  std::fflush(stdout);
  const auto report = data::train_sentencepiece(recipes::tokenizer_corpus(config),
                                                recipes::tokenizer_training_options(config), config.tokenizer.path);
  std::printf("done: %lld pieces from %lld lines\n", static_cast<long long>(report.vocab_size),
              static_cast<long long>(report.sentences));
  return 0;
}

}  // namespace anvil::cli
